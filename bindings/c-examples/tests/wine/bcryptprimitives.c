/*
 * bcryptprimitives.c - a stand-in for Windows' bcryptprimitives.dll, for
 * running the test programs under Wine only; never installed or shipped.
 *
 * The runtime of recent Go releases loads bcryptprimitives.dll from system32
 * at start and takes its random bytes from ProcessPrng, and aborts when the
 * DLL is missing ("bcryptprimitives.dll not found"). Windows has it since
 * Windows 10; Wine 8.0 (Debian 12's) does not, so wine_prefix.sh copies this
 * one into the Wine prefix. It draws from BCryptGenRandom, which Wine has.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
