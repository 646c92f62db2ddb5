# Each SIMD backend of WILLIAM3 is compiled for its own instruction set; which one runs
# is decided once at runtime from the CPU's features (crypto/william3_dispatch.cpp).
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_sse41.cpp PROPERTIES COMPILE_OPTIONS "-msse4.1")
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_avx2.cpp PROPERTIES COMPILE_OPTIONS "-mavx2")
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_avx512.cpp PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512vl")
