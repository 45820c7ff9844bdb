package producer

// StdHash is std::hash<std::string> of libstdc++ on 64-bit targets: _Hash_bytes, a
// MurmurHash2 variant over 8-byte words, with the seed 0xc70f6907. The C++ client picks
// the queue of SendMessageOrderlyByShardingKey with it, so a Go producer must compute
// the same value to put a key's messages on the queue a C++ producer uses. Words are read
// little-endian, as on every platform those producers run on (x86-64, aarch64).
//
// Test vectors were produced by g++ 12 (std::hash<std::string>{}(s)); see hash_test.go.
func StdHash(s string) uint64 {
	const (
		seed = 0xc70f6907
		mul  = 0xc6a4a793<<32 | 0x5bd1e995
	)
	n := len(s)
	h := seed ^ uint64(n)*mul
	i := 0
	for ; i+8 <= n; i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		h ^= shiftMix(w*mul) * mul
		h *= mul
	}
	if rest := n - i; rest > 0 {
		// The tail is loaded as a little-endian number of rest bytes (load_bytes).
		var w uint64
		for j := rest - 1; j >= 0; j-- {
			w = w<<8 | uint64(s[i+j])
		}
		h ^= w
		h *= mul
	}
	h = shiftMix(h) * mul
	return shiftMix(h)
}

func shiftMix(v uint64) uint64 { return v ^ v>>47 }
