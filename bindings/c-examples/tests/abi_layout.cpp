// The same checks as abi_layout.c, compiled as C++: the headers must give
// C++ programs the same layouts, and the callback typedefs the same shapes.
#include "abi_layout.c"
