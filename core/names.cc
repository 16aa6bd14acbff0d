#include "core/names.h"

namespace quarry {

std::string qualified_name(std::string_view stack, std::string_view process) {
  std::string out;
  out.reserve(stack.size() + 1 + process.size());
  out.append(stack);
  out += kNameSeparator;
  out.append(process);
  return out;
}

}  // namespace quarry
