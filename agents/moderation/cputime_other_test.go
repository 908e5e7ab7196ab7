//go:build !linux

package moderation

import "time"

// threadCPU is not measured off Linux; benchmarks then report wall-clock figures only.
func threadCPU() time.Duration { return 0 }
