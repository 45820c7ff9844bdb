package main

// Exports of CErrorMessage.h.

/*
#include "CErrorMessage.h"
#include "capi.h"
*/
import "C"

// GetLatestErrorMessage returns the calling thread's last error, or "".
// It reads C thread-local storage only, so it works even when the library is
// poisoned, and it does not go through guard.
//
//export GetLatestErrorMessage
func GetLatestErrorMessage() *C.cchar_t {
	return C.rmq_last_error()
}
