package store_test

import (
	"errors"

	"rapport/model"
)

func asError(err error, e **model.Error) bool { return errors.As(err, e) }
