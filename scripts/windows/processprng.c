/* A stand-in for Windows 10's bcryptprimitives.dll, for Wine 8 test prefixes only: Rust's
   standard library imports ProcessPrng from it, which Wine 8 does not provide. ProcessPrng
   fills the buffer from the system RNG and always succeeds; here it forwards to
   BCryptGenRandom, which Wine does provide. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
    while (size > 0) {
        ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
            return FALSE;
        }
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
