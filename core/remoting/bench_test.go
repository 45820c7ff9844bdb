package remoting

import (
	"context"
	"testing"
	"time"
)

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

// BenchmarkInvokeRoundTrip measures a sync call over loopback, client and server
// allocations together, with a response shaped like a SEND_MESSAGE answer.
func BenchmarkInvokeRoundTrip(b *testing.B) {
	s := NewServer(ServerOptions{})
	s.RegisterProcessor(SendMessageV2, func(_ *Conn, req *Command) *Command {
		resp := NewResponse(Success, "")
		resp.ExtFields = map[string]string{"msgId": "7F00000100002A9F0000000000000001", "queueId": "1", "queueOffset": "10",
			"MSG_REGION": "DefaultRegion", "TRACE_ON": "true"}
		return resp
	})
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := NewClient(ClientOptions{})
	defer c.Close()
	req := sendV2Request()
	ctx := context.Background()
	target := addr.String()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.InvokeSync(ctx, target, req, time.Second); err != nil {
			b.Fatal(err)
		}
	}
}
