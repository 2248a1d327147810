#include "fmkit/core/error.hpp"

namespace fm {

void usage_error(const std::string& msg) { throw Error(ErrorKind::Usage, msg); }
void runtime_error(const std::string& msg) { throw Error(ErrorKind::Runtime, msg); }

}  // namespace fm
