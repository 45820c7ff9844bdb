package remoting

import (
	"testing"
)

// The decoders face bytes from the network: they must return an error for anything they
// cannot read, never panic, and whatever they accept must survive a re-encode.

func seedFrames(f *testing.F) {
	for _, st := range []SerializeType{JSON, RocketMQ} {
		c := sendV2Request()
		c.SerializeType = st
		c.Remark = "seed"
		frame, _ := AppendCommand(nil, c)
		f.Add(frame[4:])
	}
}

func FuzzDecodeFrame(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		c, err := DecodeFrame(frame)
		if err != nil {
			return
		}
		// Read in place, as responses are, the ext fields are the decoded ones.
		r := Response{}
		if _, err := scanFrame(frame, &r.h); err != nil {
			t.Fatalf("decodes but does not scan: %v", err)
		}
		seen := map[string]string{}
		if err := r.EachExt(func(k, v []byte) { seen[string(k)] = string(v) }); err != nil {
			t.Fatalf("decodes but its ext fields cannot be read in place: %v", err)
		}
		if len(seen) != len(c.ExtFields) {
			t.Fatalf("%d ext fields in place, %d decoded", len(seen), len(c.ExtFields))
		}
		for k, v := range c.ExtFields {
			if seen[k] != v {
				t.Fatalf("ext %q: %q decoded, %q in place", k, v, seen[k])
			}
		}
		again, err := AppendCommand(nil, c)
		if err != nil {
			return // e.g. a 16-bit binary code that JSON carried wider
		}
		if _, err := DecodeFrame(again[4:]); err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
	})
}

func FuzzJSONHeader(f *testing.F) {
	f.Add([]byte(`{"code":105,"extFields":{"topic":"T"},"flag":0,"language":"JAVA","opaque":3,"serializeTypeCurrentRPC":"JSON","version":409}`))
	f.Add([]byte(`{"code":0,"remark":"a\u0001\ud83d\ude00","extFields":{"k":1.5,"b":false,"n":null}}`))
	f.Add(appendJSONHeader(nil, sendV2Request()))
	f.Fuzz(func(t *testing.T, header []byte) {
		var c Command
		if err := decodeJSONHeader(header, &c); err != nil {
			return
		}
		var back Command
		if err := decodeJSONHeader(appendJSONHeader(nil, &c), &back); err != nil {
			t.Fatalf("re-encoded header does not decode: %v", err)
		}
		if back.Code != c.Code || back.Opaque != c.Opaque || back.Remark != c.Remark || len(back.ExtFields) != len(c.ExtFields) {
			t.Fatalf("round trip changed the header: %+v vs %+v", c, back)
		}
		for k, v := range c.ExtFields {
			if back.ExtFields[k] != v {
				t.Fatalf("ext %q: %q became %q", k, v, back.ExtFields[k])
			}
		}
	})
}

func FuzzBinaryHeader(f *testing.F) {
	f.Add(appendBinaryHeader(nil, sendV2Request()))
	f.Add(appendBinaryHeader(nil, &Command{Code: 1, Remark: "x"}))
	f.Fuzz(func(t *testing.T, header []byte) {
		var c Command
		if err := decodeBinaryHeader(header, &c); err != nil {
			return
		}
		var back Command
		if err := decodeBinaryHeader(appendBinaryHeader(nil, &c), &back); err != nil {
			t.Fatalf("re-encoded header does not decode: %v", err)
		}
		if back.Code != c.Code || back.Remark != c.Remark || len(back.ExtFields) != len(c.ExtFields) {
			t.Fatalf("round trip changed the header")
		}
	})
}
