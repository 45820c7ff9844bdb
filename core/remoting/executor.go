package remoting

import "sync"

// executor runs callbacks and inbound requests on a fixed set of goroutines, so a read loop
// never runs user code itself (a callback that makes a sync call on the same connection
// would otherwise deadlock) and no goroutine is spawned per message.
type executor struct {
	mu     sync.RWMutex
	closed bool
	queue  chan task
	wg     sync.WaitGroup
}

// task is a function or, without the closure a function would cost, an async call to
// deliver.
type task struct {
	f  func()
	cl *call
}

func (t task) run() {
	if t.cl != nil {
		deliver(t.cl)
		return
	}
	t.f()
}

func newExecutor(workers, queueLen int) *executor {
	e := &executor{queue: make(chan task, queueLen)}
	e.wg.Add(workers)
	for i := 0; i < workers; i++ {
		go e.work()
	}
	return e
}

func (e *executor) work() {
	defer e.wg.Done()
	for t := range e.queue {
		t.run()
	}
}

// submit queues f, blocking while the queue is full: that pushes back on the read loop
// rather than dropping work. After close, f runs on a goroutine of its own so that late
// failure callbacks are still delivered.
func (e *executor) submit(f func()) { e.put(task{f: f}) }

// submitCall queues the delivery of an async call's response or failure.
func (e *executor) submitCall(cl *call) { e.put(task{cl: cl}) }

func (e *executor) put(t task) {
	e.mu.RLock()
	if e.closed {
		e.mu.RUnlock()
		go t.run()
		return
	}
	e.queue <- t
	e.mu.RUnlock()
}

// close stops accepting work and waits for queued work to finish.
func (e *executor) close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	close(e.queue)
	e.mu.Unlock()
	e.wg.Wait()
}
