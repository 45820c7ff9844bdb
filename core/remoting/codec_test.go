package remoting

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sendV2Request() *Command {
	return NewRequest(SendMessageV2, map[string]string{
		"a": "ProducerGroup", "b": "BenchmarkTopic", "c": "TBW102", "d": "4", "e": "3", "f": "0",
		"g": "1700000000000", "h": "0", "i": "TAGS\x01TagA\x02KEYS\x01order-1\x02UNIQ_KEY\x017F00000100002A9F0000000000000001\x02WAIT\x01true",
		"j": "0", "k": "false", "m": "false", "n": "broker-a",
	}, bytes.Repeat([]byte("x"), 1024))
}

func roundTrip(t *testing.T, c *Command) *Command {
	t.Helper()
	frame, err := AppendCommand(nil, c)
	require.NoError(t, err)
	require.Equal(t, uint32(len(frame)-4), binary.BigEndian.Uint32(frame), "total length counts everything after itself")
	got, err := DecodeFrame(frame[4:])
	require.NoError(t, err)
	return got
}

func TestRoundTripBothEncodings(t *testing.T) {
	for _, st := range []SerializeType{JSON, RocketMQ} {
		t.Run(st.String(), func(t *testing.T) {
			c := sendV2Request()
			c.Opaque, c.Flag, c.Remark, c.SerializeType = 42, flagOneway, "a \"remark\"\n\\ 中文", st
			got := roundTrip(t, c)
			assert.Equal(t, c, got)
		})
	}
}

func TestRoundTripEmpty(t *testing.T) {
	for _, st := range []SerializeType{JSON, RocketMQ} {
		c := &Command{Code: 0, Language: Java, Version: 409, Opaque: -7, Flag: flagResponse, SerializeType: st}
		assert.Equal(t, c, roundTrip(t, c))
	}
}

// A header as a Java 4.9.8 client writes it must decode, unknown keys and all.
func TestDecodeJavaJSONHeader(t *testing.T) {
	header := `{"code":105,"extFields":{"topic":"T"},"flag":0,"language":"JAVA","opaque":3,"serializeTypeCurrentRPC":"JSON","version":409}`
	c := decodeJSON(t, header)
	assert.Equal(t, int32(GetRouteInfoByTopic), c.Code)
	assert.Equal(t, Java, c.Language)
	assert.Equal(t, int32(409), c.Version)
	assert.Equal(t, int32(3), c.Opaque)
	assert.Equal(t, map[string]string{"topic": "T"}, c.ExtFields)
	assert.Equal(t, "", c.Remark)
}

func decodeJSON(t *testing.T, header string) *Command {
	t.Helper()
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(header)))
	frame = append(frame, header...)
	c, err := DecodeFrame(frame)
	require.NoError(t, err)
	return c
}

func TestDecodeJSONLeniency(t *testing.T) {
	c := decodeJSON(t, ` { "opaque" : 9, "extFields" : {"n": 12, "b": true, "z": null, "o": {"x":[1,{"y":2}]}, "s":"a\u0001b\ud83d\ude00"},
		"remark": null, "language": "SOMETHING_NEW", "nested": {"a":[true,false,null,"x",-1.5e3]}, "code": 17 } `)
	assert.Equal(t, int32(9), c.Opaque)
	assert.Equal(t, int32(17), c.Code)
	assert.Equal(t, Other, c.Language)
	assert.Equal(t, map[string]string{"n": "12", "b": "true", "s": "a\x01b😀"}, c.ExtFields)
}

func TestDecodeJSONRejects(t *testing.T) {
	for _, h := range []string{``, `{`, `[]`, `{"code":}`, `{"code":1,}`, `{"code":"x"}`, `{"code":99999999999}`,
		`{"remark":"\x01"}`, `{"remark":"\q"}`, `{"extFields":[1]}`, `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		`{"code":1} trailing`} {
		frame := binary.BigEndian.AppendUint32(nil, uint32(len(h)))
		frame = append(frame, h...)
		_, err := DecodeFrame(frame)
		assert.Error(t, err, "header %q", h)
	}
}

// Our JSON must be plain JSON that any other decoder reads the same way.
func TestJSONHeaderIsStandard(t *testing.T) {
	c := sendV2Request()
	c.Remark = "ctl \x01\x02\t and quote \""
	hdr := appendJSONHeader(nil, c)
	var v struct {
		Code      int32             `json:"code"`
		Language  string            `json:"language"`
		Remark    string            `json:"remark"`
		ExtFields map[string]string `json:"extFields"`
		Version   int32             `json:"version"`
	}
	require.NoError(t, json.Unmarshal(hdr, &v), string(hdr))
	assert.Equal(t, c.ExtFields, v.ExtFields)
	assert.Equal(t, c.Remark, v.Remark)
	assert.Equal(t, "GO", v.Language)
	assert.Equal(t, Version, v.Version)
}

// The binary layout, byte for byte, for a command with one ext field.
func TestBinaryHeaderLayout(t *testing.T) {
	c := &Command{Code: 34, Language: Go, Version: 401, Opaque: 7, Flag: 2, Remark: "r",
		ExtFields: map[string]string{"k": "vv"}, SerializeType: RocketMQ}
	want := []byte{
		0, 34, // code
		9,       // language GO
		1, 0x91, // version 401
		0, 0, 0, 7, // opaque
		0, 0, 0, 2, // flag
		0, 0, 0, 1, 'r', // remark
		0, 0, 0, 9, // ext length
		0, 1, 'k', 0, 0, 0, 2, 'v', 'v',
	}
	assert.Equal(t, want, appendBinaryHeader(nil, c))
	frame, err := AppendCommand(nil, c)
	require.NoError(t, err)
	assert.Equal(t, byte(RocketMQ), frame[4], "serialize type in the high byte of the header length")
	assert.Equal(t, uint32(len(want)), binary.BigEndian.Uint32(frame[4:])&maxHeaderLen)
}

func TestBinaryHeaderRejects(t *testing.T) {
	good := appendBinaryHeader(nil, sendV2Request())
	for cut := 0; cut < len(good); cut += 7 {
		var c Command
		// Truncated input must fail cleanly (or, where the cut falls on an entry boundary
		// inside ext, the declared length no longer fits).
		assert.Error(t, decodeBinaryHeader(good[:cut], &c), "cut at %d", cut)
	}
	huge := append([]byte(nil), good...)
	binary.BigEndian.PutUint32(huge[13:], 0x7fffffff) // remark length
	assert.Error(t, decodeBinaryHeader(huge, new(Command)))
}

func TestFrameGuards(t *testing.T) {
	t.Run("unknown serialize type", func(t *testing.T) {
		_, err := DecodeFrame([]byte{5, 0, 0, 0})
		assert.ErrorContains(t, err, "unknown serialize type 5")
	})
	t.Run("header longer than frame", func(t *testing.T) {
		_, err := DecodeFrame([]byte{0, 0, 0, 10, '{', '}'})
		assert.ErrorContains(t, err, "exceeds the frame")
	})
	t.Run("length over the maximum is refused before allocating", func(t *testing.T) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadFrame(bytes.NewReader([]byte{0x7f, 0xff, 0xff, 0xff}), DefaultMaxFrameSize)
		runtime.ReadMemStats(&after)
		assert.ErrorIs(t, err, ErrFrameTooLarge)
		// TotalAlloc is process-wide, so leave room for other goroutines; the frame claimed 2 GiB.
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20))
	})
	t.Run("too short", func(t *testing.T) {
		_, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 2, 1, 1}), DefaultMaxFrameSize)
		assert.Error(t, err)
	})
	t.Run("truncated", func(t *testing.T) {
		_, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 20, 1, 1}), DefaultMaxFrameSize)
		assert.Error(t, err)
	})
}

func TestUnquoteJSON(t *testing.T) {
	for _, tc := range []struct{ in, want, rest string }{
		{`"plain",x`, "plain", ",x"},
		{`"a\"b\\c\/d\n\u00e9\ud83d\ude00"}`, "a\"b\\c/d\n\u00e9\U0001F600", "}"},
		{`""`, "", ""},
	} {
		got, next, err := UnquoteJSON([]byte(tc.in), 0)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(got), tc.in)
		assert.Equal(t, tc.rest, tc.in[next:], tc.in)
	}
	for _, bad := range []string{`x"`, `"open`, `"bad \q"`, `"short \u12"`, "\"ctl \x01\""} {
		_, _, err := UnquoteJSON([]byte(bad), 0)
		assert.Error(t, err, "%q", bad)
	}
}

// decodeJSONHeader decodes a whole JSON header into c.
func decodeJSONHeader(b []byte, c *Command) error {
	var h header
	if err := scanJSONHeader(b, &h); err != nil {
		return err
	}
	h.raw = b
	return h.materializeJSON(c)
}

// decodeBinaryHeader decodes a whole binary header into c.
func decodeBinaryHeader(b []byte, c *Command) error {
	var h header
	if err := scanBinaryHeader(b, &h); err != nil {
		return err
	}
	h.raw = b
	return h.materializeBinary(c)
}
