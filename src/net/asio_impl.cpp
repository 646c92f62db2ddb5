// Asio's own compiled part, built once for the whole program (ASIO_SEPARATE_COMPILATION, set
// for every user of osier_net in src/CMakeLists.txt), so that the files including Asio's headers
// compile only declarations.
#include <asio/impl/src.hpp>
