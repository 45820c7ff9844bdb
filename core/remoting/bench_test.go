package remoting

import "testing"

func benchEncode(b *testing.B, st SerializeType) {
	c := sendV2Request()
	c.SerializeType = st
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var err error
		buf, err = AppendCommand(buf[:0], c)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func benchDecode(b *testing.B, st SerializeType) {
	c := sendV2Request()
	c.SerializeType = st
	frame, _ := AppendCommand(nil, c)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for i := 0; i < b.N; i++ {
		if _, err := DecodeFrame(frame[4:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSendMessageV2JSON(b *testing.B)     { benchEncode(b, JSON) }
func BenchmarkEncodeSendMessageV2RocketMQ(b *testing.B) { benchEncode(b, RocketMQ) }
func BenchmarkDecodeSendMessageV2JSON(b *testing.B)     { benchDecode(b, JSON) }
func BenchmarkDecodeSendMessageV2RocketMQ(b *testing.B) { benchDecode(b, RocketMQ) }
