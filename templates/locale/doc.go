// Package locale formats numbers, money and dates the way a language and
// region write them, for the mail-merge engine (templates/lang).
//
// Everything locale-specific comes from CLDR data through libraries, never
// from hand-written tables:
//
//   - numbers and money: github.com/bojanz/currency (CLDR 48): decimal and
//     grouping separators, minimum grouping digits, the currency pattern with
//     the symbol's place ("$1,234.50", "1.234,50 €", "1 234,50 ₽") and each
//     currency's symbol and fraction digits. The pattern of each locale and
//     currency is learnt once from that formatter (it is too slow to call
//     per value); numbers are written from their exact decimal digits, so a
//     model.Decimal never passes through a float. golang.org/x/text/currency
//     is not used for money: it always puts the symbol first ("₽ 1 234,50"),
//     because its tables carry no currency patterns, and its numbers go
//     through float64.
//   - percent sign placement ("19%", "19 %") and case mapping: golang.org/x/text
//     (number, cases); language tags and matching: golang.org/x/text/language.
//   - month and day names, including the genitive month of Russian dates
//     ("26 ноября 2026 г."), and each locale's short/medium/long/full date
//     layouts: github.com/goodsign/monday.
//
// A Locale is safe for concurrent use. The package imports nothing from this
// repository.
package locale
