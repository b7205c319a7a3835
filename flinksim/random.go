package flinksim

// rnd draws deterministic pseudo-random numbers from the seed and a key. The
// same key always gives the same number, so any value of the model can be
// recomputed on demand instead of stored.
type rnd struct{ seed uint64 }

// domain separates the random streams of different quantities.
type domain uint64

// Random domains; the values only need to be distinct.
const (
	dJobID domain = iota + 1
	dVertexID
	dTMPort
	dTMSuffix
	dTMDataPort
	dStateJitter
	dStateSkew
	dIncremental
	dStartDelay
	dAlignment
	dSync
	dAsyncBase
	dAsyncJitter
	dUpload
	dTransit
	dJMProcess
	dFinalize
	dFailureKind
	dFailureSubtask
	dCPU
	dHeap
	dGCRate
	dGCGauge
	dHeartbeat
	dRESTDelay
	dBusy
	dBackPressure
	dShuffle
	dRecords
	dThreads
	dSystem
	dSinkFlush
	dGCPause
	dGCPauseHit
	dUploadFile
	dPathDelay
	dRESTLatency
	dUnalignedWrite
)

// golden is the 64-bit golden ratio increment of splitmix64.
const golden = 0x9e3779b97f4a7c15

// mix64 is the splitmix64 finaliser: a cheap, well-distributed bijection.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash combines the seed, a domain and the keys into 64 random bits.
func (r rnd) hash(d domain, keys ...int64) uint64 {
	h := mix64(r.seed + golden*uint64(d))
	for _, k := range keys {
		h = mix64(h + golden + uint64(k))
	}
	return h
}

// unit returns a number in [0, 1) for the domain and keys.
func (r rnd) unit(d domain, keys ...int64) float64 {
	return float64(r.hash(d, keys...)>>11) / (1 << 53)
}

// pick draws from a span for the domain and keys.
func (r rnd) pick(s span, d domain, keys ...int64) float64 {
	return s.at(r.unit(d, keys...))
}
