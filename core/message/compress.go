package message

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
)

// DefaultCompressLevel is the zlib level Java producers use.
const DefaultCompressLevel = 5

// DefaultMaxBodySize bounds inflated bodies when the caller gives no limit.
// Brokers cap stored bodies at 4 MiB by default; zlib can expand far more
// than 16x, so the limit is what stands between a crafted body and an
// out-of-memory crash, while leaving room for honest, highly compressible
// payloads.
const DefaultMaxBodySize = 64 << 20

// Errors wrapped by the compression and decoding functions.
var (
	ErrBodyTooLarge           = errors.New("inflated body exceeds the size limit")
	ErrUnsupportedCompression = errors.New("unsupported compression type")
)

// zlib writers and readers carry hundreds of KiB of state each, so they are
// pooled rather than rebuilt per message. Writers are keyed by level because
// Reset keeps the level.
var (
	zlibWriters [zlib.BestCompression - zlib.HuffmanOnly + 1]sync.Pool
	zlibReaders sync.Pool
)

// Compress returns body as a zlib stream (RFC 1950), which is what Java's
// Deflater produces and what every RocketMQ client inflates.
func Compress(body []byte, level int) ([]byte, error) {
	if level < zlib.HuffmanOnly || level > zlib.BestCompression {
		return nil, fmt.Errorf("message: invalid zlib level %d", level)
	}
	var buf bytes.Buffer
	buf.Grow(len(body)/2 + 64)
	pool := &zlibWriters[level-zlib.HuffmanOnly]
	zw, _ := pool.Get().(*zlib.Writer)
	if zw == nil {
		var err error
		if zw, err = zlib.NewWriterLevel(&buf, level); err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
	} else {
		zw.Reset(&buf)
	}
	_, err := zw.Write(body)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	// Drop the reference to buf so a pooled writer does not pin it.
	zw.Reset(io.Discard)
	pool.Put(zw)
	if err != nil {
		return nil, fmt.Errorf("message: compress: %w", err)
	}
	return buf.Bytes(), nil
}

// Decompress inflates a body stored with the compression type recorded in
// sysFlag bits 8-10 (0 means zlib, for bodies from older producers). Only
// the type bits of sysFlag are consulted. The result is limited to maxSize
// bytes (DefaultMaxBodySize when maxSize <= 0); a larger body yields
// ErrBodyTooLarge instead of exhausting memory.
func Decompress(body []byte, sysFlag int32, maxSize int) ([]byte, error) {
	out, err := decompress(body, sysFlag, maxSize)
	if err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	return out, nil
}

// decompress returns unprefixed errors so record decoders can add context.
func decompress(body []byte, sysFlag int32, maxSize int) ([]byte, error) {
	switch typ := sysFlag & SysFlagCompressionMask; typ {
	case 0, SysFlagCompressionZlib:
	case SysFlagCompressionLZ4:
		return nil, fmt.Errorf("%w: LZ4", ErrUnsupportedCompression)
	case SysFlagCompressionZSTD:
		return nil, fmt.Errorf("%w: ZSTD", ErrUnsupportedCompression)
	default:
		return nil, fmt.Errorf("%w: %#x", ErrUnsupportedCompression, typ)
	}
	if maxSize <= 0 {
		maxSize = DefaultMaxBodySize
	}
	src := bytes.NewReader(body)
	zr, _ := zlibReaders.Get().(io.ReadCloser)
	var err error
	if zr == nil {
		zr, err = zlib.NewReader(src)
	} else {
		err = zr.(zlib.Resetter).Reset(src, nil)
	}
	if err != nil {
		if zr != nil {
			zlibReaders.Put(zr)
		}
		return nil, fmt.Errorf("zlib: %w", err)
	}
	defer zlibReaders.Put(zr)

	var out bytes.Buffer
	// The guess is bounded by both the real input size and the limit, so a
	// tiny body cannot request a large buffer up front.
	out.Grow(min(4*len(body)+512, maxSize+1))
	// Reading one byte past the limit tells "exactly maxSize" from "more".
	// Reading to EOF is also what makes zlib verify its Adler-32 trailer.
	if _, err := out.ReadFrom(io.LimitReader(zr, int64(maxSize)+1)); err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	if out.Len() > maxSize {
		return nil, fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, maxSize)
	}
	return out.Bytes(), nil
}
