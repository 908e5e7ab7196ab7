package answer

import (
	"testing"

	"go.uber.org/goleak"
)

// The LLM engine runs HTTP streams; none may outlive a test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
