package consumer

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/panjf2000/ants/v2"
)

// workQueue runs consume tasks on an ants pool of a fixed number of workers. Tasks are
// values handed to run, not closures, which saves an allocation per message. They wait in
// a FIFO rather than in a blocked Submit: a pull loop that hands over messages must never
// wait for a free worker, or a slow listener would stall the pulls, rebalancing and shutdown
// along with it. Memory is bounded anyway, since every queued message also counts against
// its process queue's flow-control limits.
//
// Each worker drains the FIFO until it is empty, so a worker is only started when fewer than
// the pool's size are draining; that is what makes the pool's own Submit return at once.
type workQueue[T any] struct {
	pool *ants.Pool
	max  int
	run  func(T)

	mu     sync.Mutex
	tasks  []T
	head   int
	active int
	closed bool
}

func newWorkQueue[T any](size int, run func(T), log *slog.Logger) (*workQueue[T], error) {
	pool, err := ants.NewPool(size, ants.WithLogger(antsLogger{log}),
		// A worker that idles for a second is let go; consumers that go quiet cost nothing.
		ants.WithExpiryDuration(time.Second))
	if err != nil {
		return nil, fmt.Errorf("consumer: worker pool: %w", err)
	}
	return &workQueue[T]{pool: pool, max: size, run: run}, nil
}

// submit queues a task; it reports false once the queue is closed.
func (w *workQueue[T]) submit(task T) bool {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	w.tasks = append(w.tasks, task)
	if w.active >= w.max {
		w.mu.Unlock()
		return true
	}
	w.active++
	w.mu.Unlock()
	if err := w.pool.Submit(w.drain); err != nil {
		w.mu.Lock()
		w.active--
		w.mu.Unlock()
		return false
	}
	return true
}

func (w *workQueue[T]) drain() {
	var zero T
	for {
		w.mu.Lock()
		if w.closed || w.head == len(w.tasks) {
			w.active--
			w.mu.Unlock()
			return
		}
		task := w.tasks[w.head]
		w.tasks[w.head] = zero
		w.head++
		if w.head == len(w.tasks) {
			w.tasks, w.head = w.tasks[:0], 0
		} else if w.head > 1024 && w.head > len(w.tasks)/2 {
			w.tasks = append(w.tasks[:0], w.tasks[w.head:]...)
			w.head = 0
		}
		w.mu.Unlock()
		w.run(task)
	}
}

// pending is the number of queued tasks not yet started.
func (w *workQueue[T]) pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.tasks) - w.head
}

// close drops the tasks not yet started and waits up to timeout for the running ones. It
// reports whether they all finished.
func (w *workQueue[T]) close(timeout time.Duration) bool {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return true
	}
	w.closed = true
	clear(w.tasks)
	w.tasks, w.head = nil, 0
	w.mu.Unlock()
	return w.pool.ReleaseTimeout(timeout) == nil
}

// antsLogger sends the pool's own messages (panics it recovered) to our logger.
type antsLogger struct{ log *slog.Logger }

func (l antsLogger) Printf(format string, args ...any) {
	l.log.Error("consume worker pool: " + fmt.Sprintf(format, args...))
}
