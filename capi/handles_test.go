package main

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

type fakeProducer struct{ name string }
type fakeMessage struct{ topic string }

func (m *fakeMessage) Topic() string { return m.topic }

type topicGetter interface{ Topic() string }

func TestHandleLifecycle(t *testing.T) {
	before := liveHandles()
	p := &fakeProducer{name: "g1"}
	h := newHandle(p)
	if h == nil {
		t.Fatal("newHandle returned nil")
	}
	if uintptr(h) < 4096 || uintptr(h)%handleStride != 0 {
		t.Fatalf("handle %p is not an aligned address above 4096", h)
	}
	if got, ok := lookup[*fakeProducer](h); !ok || got != p {
		t.Fatalf("lookup = %v, %v", got, ok)
	}
	if liveHandles() != before+1 {
		t.Errorf("liveHandles = %d, want %d", liveHandles(), before+1)
	}
	if _, ok := deleteHandle[*fakeMessage](h); ok {
		t.Error("deleteHandle with the wrong type succeeded")
	}
	if _, ok := lookup[*fakeProducer](h); !ok {
		t.Error("a failed delete removed the handle")
	}
	if got, ok := deleteHandle[*fakeProducer](h); !ok || got != p {
		t.Errorf("deleteHandle = %v, %v", got, ok)
	}
	if _, ok := lookup[*fakeProducer](h); ok {
		t.Error("lookup of a deleted handle succeeded")
	}
	if _, ok := deleteHandle[*fakeProducer](h); ok {
		t.Error("second delete succeeded")
	}
	if liveHandles() != before {
		t.Errorf("liveHandles = %d after delete, want %d", liveHandles(), before)
	}
}

func TestLookupRejectsBadHandles(t *testing.T) {
	h := newHandle(&fakeProducer{})
	defer deleteHandle[*fakeProducer](h)
	if _, ok := lookup[*fakeProducer](nil); ok {
		t.Error("NULL accepted")
	}
	if _, ok := lookup[*fakeMessage](h); ok {
		t.Error("wrong type accepted")
	}
	if _, ok := lookup[topicGetter](h); ok {
		t.Error("object accepted as an interface it does not implement")
	}
	if _, ok := lookup[*fakeProducer](unsafe.Add(h, 1)); ok {
		t.Error("misaligned value accepted")
	}
	var x int
	if _, ok := lookup[*fakeProducer](unsafe.Pointer(&x)); ok {
		t.Error("a Go pointer accepted")
	}
	if _, ok := deleteHandle[*fakeProducer](nil); ok {
		t.Error("delete of NULL succeeded")
	}
}

func TestLookupByInterface(t *testing.T) {
	h := newHandle(&fakeMessage{topic: "T"})
	defer deleteHandle[*fakeMessage](h)
	g, ok := lookup[topicGetter](h)
	if !ok || g.Topic() != "T" {
		t.Fatalf("lookup by interface = %v, %v", g, ok)
	}
}

func TestHandlesAreNotReused(t *testing.T) {
	seen := map[unsafe.Pointer]bool{}
	for range 1000 {
		h := newHandle(&fakeProducer{})
		if seen[h] {
			t.Fatalf("handle %p handed out twice", h)
		}
		seen[h] = true
		deleteHandle[*fakeProducer](h)
	}
}

func TestHandleWraparoundSkipsLive(t *testing.T) {
	keep := newHandle(&fakeProducer{name: "keep"})
	defer deleteHandle[*fakeProducer](keep)
	handles.mu.Lock()
	saved := handles.next
	keepSlot := (uintptr(keep) - uintptr(handles.base)) / handleStride
	handles.next = handles.slots - 1
	handles.mu.Unlock()
	defer func() {
		handles.mu.Lock()
		handles.next = saved
		handles.mu.Unlock()
	}()

	var got []unsafe.Pointer
	for range int(keepSlot) + 3 {
		got = append(got, newHandle(&fakeProducer{}))
	}
	for _, h := range got {
		if h == keep {
			t.Fatal("a live handle was handed out again after wraparound")
		}
		if uintptr(h) < uintptr(handles.base) || uintptr(h) >= uintptr(handles.base)+handles.slots*handleStride {
			t.Errorf("handle %p outside the reserved range", h)
		}
		deleteHandle[*fakeProducer](h)
	}
	if got[1] != handles.base {
		t.Errorf("after the last slot came %p, want the first slot %p", got[1], handles.base)
	}
}

// Handles sit in pointer-typed variables on goroutine stacks (export
// parameters). The runtime must accept them while copying stacks and
// collecting garbage. The same test with a cgo.Handle value (1, 2, ...) in
// place of h aborts with "invalid pointer found on stack".
func TestHandlesSurviveStackGrowthAndGC(t *testing.T) {
	var holder struct{ p unsafe.Pointer }
	holder.p = newHandle(&fakeProducer{name: "deep"})
	defer deleteHandle[*fakeProducer](holder.p)
	growStack(20000)
	runtime.GC()
	if p, ok := lookup[*fakeProducer](holder.p); !ok || p.name != "deep" {
		t.Error("handle unusable after stack growth")
	}
}

//go:noinline
func growStack(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return growStack(n-1) + int(pad[n%256]&0)
}

func TestHandlesConcurrent(t *testing.T) {
	before := liveHandles()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				m := &fakeMessage{topic: string(rune('a' + g))}
				h := newHandle(m)
				if got, ok := lookup[*fakeMessage](h); !ok || got != m {
					t.Errorf("goroutine %d iteration %d: lookup failed", g, i)
					return
				}
				if _, ok := deleteHandle[*fakeMessage](h); !ok {
					t.Errorf("goroutine %d iteration %d: delete failed", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	if liveHandles() != before {
		t.Errorf("leaked %d handles", liveHandles()-before)
	}
}

func TestArgMessages(t *testing.T) {
	onOwnThread(func() {
		c := call{fn: "StartProducer"}
		if _, ok := arg[*fakeProducer](c, "producer", nil); ok {
			t.Error("NULL accepted")
		}
		if got, want := lastError(), "msg: StartProducer: producer is NULL"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		h := newHandle(&fakeProducer{})
		deleteHandle[*fakeProducer](h)
		if _, ok := arg[*fakeProducer](c, "producer", h); ok {
			t.Error("destroyed handle accepted")
		}
		if got := lastError(); !strings.Contains(got, "msg: StartProducer: producer 0x") || !strings.Contains(got, "already destroyed") {
			t.Errorf("got %q", got)
		}
		h = newHandle(&fakeProducer{})
		defer deleteHandle[*fakeProducer](h)
		clearLastError()
		if _, ok := arg[*fakeProducer](c, "producer", h); !ok {
			t.Error("live handle rejected")
		}
		if got := lastError(); got != "" {
			t.Errorf("success set %q", got)
		}
	})
}
