#include "cloud/provider.h"

namespace quarry {

Result<Server> Provider::create(const ServerSpec& spec) {
  auto launched = launch(spec);
  if (!launched) return launched;
  return wait_ready(*launched);
}

Result<Server> Provider::resize(const Server&, const std::string&) {
  return fail(name() + " servers cannot be resized");
}

Result<std::vector<SizePrice>> Provider::sizes() { return std::vector<SizePrice>{}; }

}  // namespace quarry
