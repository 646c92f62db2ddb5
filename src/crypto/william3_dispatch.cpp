// Runtime choice of the WILLIAM3 backend, made once per process. OSIER_WILLIAM3_X86 (set by
// crypto/simd.cmake) says whether the x86 SIMD backends are compiled; without them the portable
// backend is the only one.
#if OSIER_WILLIAM3_X86
#include <cpuid.h>
#endif

#include <cstdlib>
#include <cstring>

#include "crypto/william3_impl.hpp"

namespace osier::crypto::w3 {
namespace {

#if OSIER_WILLIAM3_X86

// The register state the operating system saves on context switches (XCR0). A CPU may
// support AVX or AVX-512 while the OS does not enable the wider registers; then those
// instructions fault, so both the CPU and the OS must agree.
std::uint64_t os_enabled_state() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & bit_OSXSAVE) == 0) return 0;
  std::uint32_t lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

constexpr std::uint64_t kXmmYmm = 0x6;     // SSE and AVX state
constexpr std::uint64_t kZmmMasks = 0xe0;  // opmask registers, ZMM0-15 upper halves, ZMM16-31

struct Support {
  bool sse41, avx2, avx512;
};

Support detect() {
  __builtin_cpu_init();
  std::uint64_t xcr0 = os_enabled_state();
  bool ymm = (xcr0 & kXmmYmm) == kXmmYmm;
  bool zmm = ymm && (xcr0 & kZmmMasks) == kZmmMasks;
  Support s;
  s.sse41 = __builtin_cpu_supports("sse4.1");
  s.avx2 = s.sse41 && ymm && __builtin_cpu_supports("avx2");
  s.avx512 =
      s.avx2 && zmm && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return s;
}
#else
struct Support {
  bool sse41 = false, avx2 = false, avx512 = false;
};
Support detect() { return {}; }
#endif

}  // namespace

std::size_t available_backends(const Backend** out, std::size_t max) {
  static const Support s = detect();
  std::size_t n = 0;
  if (n < max) out[n++] = &portable_backend();
#if OSIER_WILLIAM3_X86
  if (s.sse41 && n < max) out[n++] = &sse41_backend();
  if (s.avx2 && n < max) out[n++] = &avx2_backend();
  if (s.avx512 && n < max) out[n++] = &avx512_backend();
#else
  (void)s;
#endif
  return n;
}

namespace {
const Backend* choose() {
  const Backend* all[8];
  std::size_t n = available_backends(all, 8);
  if (const char* forced = std::getenv("OSIER_WILLIAM3_BACKEND")) {
    for (std::size_t i = 0; i < n; ++i)
      if (std::strcmp(all[i]->name, forced) == 0) return all[i];
  }
  return all[n - 1];
}
const Backend*& active() {
  static const Backend* b = choose();
  return b;
}
}  // namespace

const Backend& active_backend() { return *active(); }
void set_active_backend(const Backend& b) { active() = &b; }

}  // namespace osier::crypto::w3
