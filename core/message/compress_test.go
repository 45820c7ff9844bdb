package message

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompressRoundTrip(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	for _, level := range []int{zlib.HuffmanOnly, zlib.DefaultCompression, 0, 1, DefaultCompressLevel, 9} {
		z, err := Compress(body, level)
		require.NoError(t, err, "level %d", level)
		// A plain zlib reader must accept it: that is what Java's Inflater sees.
		zr, err := zlib.NewReader(bytes.NewReader(z))
		require.NoError(t, err)
		plain, err := io.ReadAll(zr)
		require.NoError(t, err)
		assert.Equal(t, body, plain)

		for _, flag := range []int32{0, SysFlagCompressed, SysFlagCompressed | SysFlagCompressionZlib} {
			got, err := Decompress(z, flag, 0)
			require.NoError(t, err)
			assert.Equal(t, body, got)
		}
	}
	_, err := Compress(body, 10)
	assert.Error(t, err)
	_, err = Compress(body, -3)
	assert.Error(t, err)

	z, err := Compress(nil, DefaultCompressLevel)
	require.NoError(t, err)
	got, err := Decompress(z, 0, 0)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestDecompressLimits(t *testing.T) {
	body := make([]byte, 100000)
	z, err := Compress(body, 9)
	require.NoError(t, err)

	got, err := Decompress(z, SysFlagCompressed, len(body))
	require.NoError(t, err, "exactly at the limit is fine")
	assert.Len(t, got, len(body))

	_, err = Decompress(z, SysFlagCompressed, len(body)-1)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
}

func TestDecompressErrors(t *testing.T) {
	z, err := Compress([]byte("payload payload payload"), DefaultCompressLevel)
	require.NoError(t, err)

	_, err = Decompress(z, SysFlagCompressed|SysFlagCompressionLZ4, 0)
	assert.ErrorIs(t, err, ErrUnsupportedCompression)
	_, err = Decompress(z, SysFlagCompressed|SysFlagCompressionZSTD, 0)
	assert.ErrorIs(t, err, ErrUnsupportedCompression)
	_, err = Decompress(z, 0x400, 0)
	assert.ErrorIs(t, err, ErrUnsupportedCompression)

	_, err = Decompress([]byte("not zlib"), SysFlagCompressed, 0)
	assert.Error(t, err)
	_, err = Decompress(nil, SysFlagCompressed, 0)
	assert.Error(t, err)
	_, err = Decompress(z[:len(z)-3], SysFlagCompressed, 0)
	assert.Error(t, err, "truncated stream")
	bad := bytes.Clone(z)
	bad[len(bad)-1] ^= 1
	_, err = Decompress(bad, SysFlagCompressed, 0)
	assert.Error(t, err, "Adler-32 mismatch")
}
