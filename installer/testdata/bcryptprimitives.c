/*
 * ProcessPrng for Wine 8 (Debian 12's), which lacks bcryptprimitives.dll. Windows has
 * had it since Windows 10, and Go's runtime (1.22 on) will not start without it. This
 * is a piece of the emulator the Wine test puts in its own prefix, not something Hearth
 * ships: it fills the buffer from RtlGenRandom, the system's random source, as
 * Windows's own does.
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
