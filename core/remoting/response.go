package remoting

import (
	"encoding/binary"
	"fmt"
)

// header is a frame's header read in place: the fixed fields decoded, the remark and the
// ext fields only located, so reading it allocates nothing. Turning it into a Command
// (materialize) costs one copy of the header text and the ext map; a caller that needs a
// few ext fields reads them from the frame instead (Response.EachExt).
type header struct {
	code, flag, opaque, version int32
	language                    Language
	serial                      SerializeType
	raw                         []byte
	// JSON: offsets in raw of the remark's and the ext object's values, -1 when absent.
	// Binary: bounds of the remark bytes and of the ext block, and its number of entries.
	remarkAt, remarkEnd int
	extAt, extEnd       int
	extCount            int
}

func (h *header) isResponse() bool { return h.flag&flagResponse != 0 }

func (h *header) fixed(c *Command) {
	c.Code, c.Flag, c.Opaque, c.Version, c.Language = h.code, h.flag, h.opaque, h.version, h.language
	c.SerializeType = h.serial
}

// scanFrame reads the header of a frame (without its length prefix) in place and returns
// the body, which aliases frame (nil when empty).
func scanFrame(frame []byte, h *header) ([]byte, error) {
	if len(frame) < 4 {
		return nil, errShortFrame
	}
	mark := binary.BigEndian.Uint32(frame)
	h.serial = SerializeType(mark >> 24)
	headerLen := int(mark & maxHeaderLen)
	if headerLen > len(frame)-4 {
		return nil, fmt.Errorf("remoting: header length %d exceeds the frame", headerLen)
	}
	h.raw = frame[4 : 4+headerLen]
	var err error
	switch h.serial {
	case JSON:
		err = scanJSONHeader(h.raw, h)
	case RocketMQ:
		err = scanBinaryHeader(h.raw, h)
	default:
		return nil, fmt.Errorf("remoting: unknown serialize type %d", h.serial)
	}
	if err != nil {
		return nil, err
	}
	if body := frame[4+headerLen:]; len(body) > 0 {
		return body, nil
	}
	return nil, nil
}

// materialize fills c from the header; c.Body is left alone.
func (h *header) materialize(c *Command) error {
	if h.serial == RocketMQ {
		return h.materializeBinary(c)
	}
	return h.materializeJSON(c)
}

// Response is a response as read from the connection, before (or instead of) becoming a
// Command: its code and body are there, its remark and ext fields are read from the frame
// on demand. It borrows the frame's buffer: nothing of it may be kept past its release
// (Release for InvokeSyncResponse; the handler's return for InvokeAsyncHandler).
type Response struct {
	Code int32
	// Body aliases the frame.
	Body []byte

	h      header
	pooled *[]byte // the frame's buffer, back to its pool on release
	cl     *call   // a sync call's, back to callPool on Release
}

// EachExt calls fn for every ext field with a scalar value. key and value alias the frame
// (or are copies, when escaped): they are valid until the response is released.
func (r *Response) EachExt(fn func(key, value []byte)) error {
	if r.h.serial == RocketMQ {
		ext := r.h.raw[r.h.extAt:r.h.extEnd]
		return eachBinaryExt(ext, func(kAt, kEnd, vAt, vEnd int) { fn(ext[kAt:kEnd], ext[vAt:vEnd]) })
	}
	return r.h.eachJSONExt(fn)
}

// Command returns the response as a Command of its own, which shares nothing with the
// frame.
func (r *Response) Command() (*Command, error) {
	c := new(Command)
	if err := r.h.materialize(c); err != nil {
		return nil, err
	}
	if r.Body != nil {
		c.Body = r.Body
		if r.pooled != nil {
			c.Body = append([]byte(nil), r.Body...)
		}
	}
	return c, nil
}

// AsError is the response as an *Error, for an answer the caller did not expect.
func (r *Response) AsError() *Error {
	var c Command
	if err := r.h.materialize(&c); err != nil {
		return &Error{Code: r.Code, Remark: err.Error()}
	}
	return &Error{Code: r.Code, Remark: c.Remark}
}

// Release gives the response of InvokeSyncResponse back; it must not be used afterwards.
func (r *Response) Release() {
	if cl := r.cl; cl != nil {
		cl.release()
	}
}

// free returns the frame's buffer to its pool.
func (r *Response) free() {
	if r.pooled != nil {
		putFrameBuf(r.pooled)
	}
	*r = Response{}
}

// ResponseHandler receives the outcome of InvokeAsyncHandler: the response, or nil and the
// error. It runs on a callback goroutine; the response is valid until it returns.
type ResponseHandler interface {
	HandleResponse(resp *Response, err error)
}

// commandHandler adapts a func(*Command, error) callback.
type commandHandler func(*Command, error)

func (f commandHandler) HandleResponse(resp *Response, err error) {
	var cmd *Command
	if err == nil {
		cmd, err = resp.Command()
	}
	f(cmd, err)
}
