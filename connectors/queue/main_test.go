package queue

import (
	"testing"

	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }
