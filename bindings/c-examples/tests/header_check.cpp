// The same checks as header_check.c, compiled as C++: the headers must be
// valid C++ and give every function C linkage (a missing extern "C" shows up
// as an unresolved, mangled symbol at link time).
#include "header_check.c"
