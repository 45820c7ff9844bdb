package remoting

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// A frame on the wire:
//
//	totalLen int32 | serializeType<<24 | headerLen int32 | header | body
//
// totalLen counts everything after itself.

// DefaultMaxFrameSize is the largest frame accepted, as the Java server's default
// (com.rocketmq.remoting.frameMaxLength).
const DefaultMaxFrameSize = 16 << 20

// maxHeaderLen is what 24 bits of header length can say.
const maxHeaderLen = 1<<24 - 1

var (
	// ErrFrameTooLarge is returned for a frame over the configured maximum, before any
	// buffer of that size is allocated.
	ErrFrameTooLarge = errors.New("remoting: frame exceeds the maximum size")
	errShortFrame    = errors.New("remoting: frame too short")
)

// AppendCommand appends a whole frame for c (length prefix, header and body) to dst.
func AppendCommand(dst []byte, c *Command) ([]byte, error) {
	dst, err := AppendHeader(dst, c, len(c.Body))
	if err != nil {
		return dst, err
	}
	return append(dst, c.Body...), nil
}

// AppendHeader appends the frame's length prefix and header for a body of bodyLen bytes,
// so a writer can send the body from its own buffer without copying it.
func AppendHeader(dst []byte, c *Command, bodyLen int) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	switch c.SerializeType {
	case JSON:
		dst = appendJSONHeader(dst, c)
	case RocketMQ:
		dst = appendBinaryHeader(dst, c)
	default:
		return dst[:start], fmt.Errorf("remoting: unknown serialize type %d", c.SerializeType)
	}
	headerLen := len(dst) - start - 8
	if headerLen > maxHeaderLen {
		return dst[:start], fmt.Errorf("remoting: header of %d bytes is too large", headerLen)
	}
	total := uint64(4) + uint64(headerLen) + uint64(bodyLen)
	if total > 1<<31-1 {
		return dst[:start], ErrFrameTooLarge
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(total))
	binary.BigEndian.PutUint32(dst[start+4:], uint32(c.SerializeType)<<24|uint32(headerLen))
	return dst, nil
}

// DecodeFrame decodes a frame without its length prefix. The command's body aliases frame.
func DecodeFrame(frame []byte) (*Command, error) {
	c := new(Command)
	if err := decodeFrameInto(frame, c); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeFrameInto(frame []byte, c *Command) error {
	var h header
	body, err := scanFrame(frame, &h)
	if err != nil {
		return err
	}
	if err := h.materialize(c); err != nil {
		return err
	}
	c.Body = body
	return nil
}

// Frames up to the largest of these sizes are read into pooled buffers of the smallest
// size that holds them, a third of which at most goes unused. Answers without a body
// (every send result, offset query, heartbeat answer) fit the first; a pull's answer,
// which a push consumer reads many times a second and decodes into messages that copy
// what they keep, fits the others for batches of up to some tens of KiB. A larger frame
// is allocated: pooling it would keep its buffer alive between the rare reads that need
// one.
var frameClasses = [...]int{4 << 10, 6 << 10, 8 << 10, 12 << 10, 16 << 10, 24 << 10, 32 << 10, 48 << 10, 64 << 10}

var framePools [len(frameClasses)]sync.Pool

// getFrameBuf is a pooled buffer of at least n bytes, or nil when n is over every class.
func getFrameBuf(n int) *[]byte {
	for i, size := range frameClasses {
		if n <= size {
			if p, ok := framePools[i].Get().(*[]byte); ok {
				return p
			}
			b := make([]byte, size)
			return &b
		}
	}
	return nil
}

// putFrameBuf gives a buffer of getFrameBuf back.
func putFrameBuf(p *[]byte) {
	for i, size := range frameClasses {
		if cap(*p) == size {
			framePools[i].Put(p)
			return
		}
	}
}

// readFramePooled is ReadFrame with frames up to the largest class read into a pooled
// buffer, returned as pooled (nil when the frame was allocated); the caller gives it back
// with putFrameBuf once nothing refers to the frame.
func readFramePooled(r *bufio.Reader, max int) (frame []byte, pooled *[]byte, err error) {
	// Peeked rather than read into an array, which would escape through io.Reader: an
	// allocation per frame.
	lenBuf, err := r.Peek(4)
	if err != nil {
		if err == io.EOF && len(lenBuf) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, err
	}
	n := binary.BigEndian.Uint32(lenBuf)
	_, _ = r.Discard(4)
	if n < 4 {
		return nil, nil, errShortFrame
	}
	if uint64(n) > uint64(max) {
		return nil, nil, fmt.Errorf("%w: %d bytes > %d", ErrFrameTooLarge, n, max)
	}
	if pooled = getFrameBuf(int(n)); pooled != nil {
		frame = (*pooled)[:n]
	} else {
		frame = make([]byte, n)
	}
	if _, err := io.ReadFull(r, frame); err != nil {
		if pooled != nil {
			putFrameBuf(pooled)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, err
	}
	return frame, pooled, nil
}

// ReadFrame reads one frame and returns it without its length prefix, in a new buffer of
// exactly the frame's size. A length over max (or under the 4 bytes of the header mark) is
// rejected before anything is allocated.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(lenBuf[:])
	if n < 4 {
		return nil, errShortFrame
	}
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrFrameTooLarge, n, max)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r, frame); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return frame, nil
}
