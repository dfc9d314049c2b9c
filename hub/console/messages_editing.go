package console

// editingMessages are the texts of editing contacts and accounts (duplicate warning, merge suggestions) and a quote's documents and mail.
var editingMessages = map[string][2]string{}
