// Where ServerFleet writes down what it is doing with a provider, so that a
// crash at any point leaves a trace to resolve. cli/ implements it over the
// store (servers/ID for ready servers, cloud/creating and cloud/leaked for
// the rest); tests use an in-memory one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/provider.h"
#include "core/error.h"

namespace quarry {

struct LedgerEntry {
  std::string token;          // the create token (creating) or the server id (leaked)
  std::string state;          // "creating" or "leaked"
  Server server;              // what is known: the spec's name and tags; provider_ref once launched
  std::int64_t since = 0;     // unix seconds
  std::string note;           // the last error, for the operator
};

class ServerLedger {
 public:
  virtual ~ServerLedger() = default;
  virtual Result<std::vector<LedgerEntry>> entries() = 0;
  // Writes (or replaces) the entry keyed by its token. Durable on return.
  virtual Status put(const LedgerEntry& entry) = 0;
  virtual Status drop(const std::string& token) = 0;
  // The servers recorded as ready (the store's servers/).
  virtual Result<std::vector<Server>> ready() = 0;
  // Records a ready server, its host key pinned to server.host_key (base64
  // of the key blob; empty: trust on first use, only for a server the
  // provider made with a key of its own, as the local cloud does).
  virtual Status record_ready(const Server& server) = 0;
  // A recorded server is gone from the provider: marks its record so.
  virtual Status mark_gone(const Server& server) = 0;
  // A server was destroyed (or leaked): its ready record and host key go;
  // ledger entries stay until dropped.
  virtual Status forget(const Server& server) = 0;
};

}  // namespace quarry
