// Whether this test binary is built with a sanitizer that slows it down many times over
// (AddressSanitizer, with UndefinedBehaviorSanitizer beside it in CI, or ThreadSanitizer). A few
// exhaustive tests then take an even sample of their cases there: every case still runs in the
// Release build (scripts/test.sh), and the sample still reaches each code path the memory checks
// are for. CI runs both (.ci/run), and the sanitizer stage is the longest part of it. Tests that
// measure memory skip under them too (ASan keeps freed blocks in quarantine).
#pragma once

namespace osier::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif
#else
inline constexpr bool kUnderSanitizer = false;
#endif

}  // namespace osier::testing
