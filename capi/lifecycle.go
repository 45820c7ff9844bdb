package main

// The life of the objects behind CProducer*, CPushConsumer* and
// CPullConsumer* handles, which all go the same way: created (setters
// record settings), running (Start read them once), shut down, destroyed
// (the handle no longer resolves).

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"sync"
	"unsafe"
)

type objectState int

const (
	stateCreated objectState = iota
	stateRunning
	stateShutdown
	stateDestroyed
)

func (s objectState) String() string {
	switch s {
	case stateCreated:
		return "not started"
	case stateRunning:
		return "running"
	case stateShutdown:
		return "shut down"
	}
	return "destroyed"
}

// object is embedded in each handle's type; S is its settings.
type object[S any] struct {
	handle unsafe.Pointer
	what   string // "producer" or "consumer", in error texts

	// lifecycle serialises start, shutdown and destroy, which can take
	// seconds. mu guards the fields below it (and the embedding type's
	// running state) and is held only briefly, so sends and setters never
	// wait behind a Start or a Shutdown.
	lifecycle sync.Mutex
	mu        sync.Mutex
	state     objectState
	set       S

	gate callbackGate
}

// start runs begin on the settings as they are now and marks the object
// running. begin sets up the embedding type's running state; the object
// counts as running only once it returned nil. A second start is a no-op,
// as upstream's; a start after shutdown is refused, since a shut-down
// client cannot be restarted.
func (o *object[S]) start(begin func(s S) error) error {
	o.lifecycle.Lock()
	defer o.lifecycle.Unlock()
	o.mu.Lock()
	state, s := o.state, o.set
	o.mu.Unlock()
	switch state {
	case stateRunning:
		return nil
	case stateShutdown:
		return errors.New("the " + o.what + " is shut down and cannot start again; create a new one")
	case stateDestroyed:
		return errors.New("the " + o.what + " is destroyed")
	}
	if err := begin(s); err != nil {
		return err
	}
	o.mu.Lock()
	o.state = stateRunning
	o.mu.Unlock()
	return nil
}

// shutdown stops a running object with stop, and returns the state it
// found, for the caller to answer wrong states as its header says.
func (o *object[S]) shutdown(stop func()) objectState {
	o.lifecycle.Lock()
	defer o.lifecycle.Unlock()
	return o.stopIfRunning(stop)
}

// stopIfRunning marks a running object shut down and runs stop. The caller
// holds lifecycle.
func (o *object[S]) stopIfRunning(stop func()) objectState {
	o.mu.Lock()
	state := o.state
	if state == stateRunning {
		o.state = stateShutdown
	}
	o.mu.Unlock()
	if state == stateRunning {
		stop()
	}
	return state
}

// destroy shuts the object down if it runs, makes its handle invalid and
// runs free to release what it gave C. A second destroy fails with
// NULL_POINTER, as any stale handle does.
func (o *object[S]) destroy(c call, stop, free func()) status {
	o.lifecycle.Lock()
	defer o.lifecycle.Unlock()
	if o.stopIfRunning(stop) == stateDestroyed {
		c.errorf("%s %p is not valid: already destroyed", o.what, o.handle)
		return C.NULL_POINTER
	}
	deleteHandle[any](o.handle)
	o.mu.Lock()
	o.state = stateDestroyed
	free()
	o.mu.Unlock()
	return C.OK
}

// change runs apply on the settings of an object that is not started yet.
// Start reads them, so a change afterwards could not apply; it is refused
// with fail rather than silently ignored.
func (o *object[S]) change(c call, starter string, fail status, apply func(s *S) status) status {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != stateCreated {
		c.errorf("the %s is %s; settings are read by %s, so set them before it", o.what, o.state, starter)
		return fail
	}
	return apply(&o.set)
}
