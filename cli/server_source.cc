#include "cli/server_source.h"

#include <ctime>

#include "core/log.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace quarry {

ServerRecord record_of(const Server& s) {
  ServerRecord r;
  r.id = s.id;
  r.name = s.name;
  r.provider = s.provider;
  r.provider_ref = s.provider_ref;
  r.ip = s.ip;
  r.ssh_port = s.ssh_port;
  r.ssh_user = s.ssh_user;
  r.memory_mb = s.memory_mb;
  r.cpu = s.cpu;
  r.tags = s.tags;
  r.created_at = static_cast<std::int64_t>(std::time(nullptr));
  return r;
}

Server server_of(const ServerRecord& r) {
  Server s;
  s.id = r.id;
  s.name = r.name;
  s.provider = r.provider;
  s.provider_ref = r.provider_ref;
  s.ip = r.ip;
  s.ssh_port = r.ssh_port;
  s.ssh_user = r.ssh_user;
  s.memory_mb = r.memory_mb;
  s.cpu = r.cpu;
  s.tags = r.tags;
  return s;
}

Result<ServerRecord> ProviderServerSource::create_spec(const ServerSpec& spec) {
  Step step("create a " + provider_.name() + " server (" + std::to_string(spec.memory_mb) + " MB" +
            (spec.tags.empty() ? "" : ", " + join(spec.tags, ",")) + ")");
  auto server = provider_.create(spec);
  if (!server) {
    step.failed(server.error().message);
    return std::unexpected(server.error());
  }
  if (server->provider == "local" && !server->provider_ref.empty()) {
    // Local servers run nginx and apps as an unprivileged user: let it bind
    // ports below 1024 in the server's own network namespace.
    (void)run_process({"ip", "netns", "exec", server->provider_ref, "sysctl", "-q", "-w",
                       "net.ipv4.ip_unprivileged_port_start=0"});
  }
  if (auto s = keys_.trust_next_key(server->id); !s) return std::unexpected(s.error());
  if (!server->host_key.empty()) {
    auto blob = base64_decode(server->host_key);
    if (blob && !blob->empty()) {
      if (auto s = keys_.pin(server->id, *blob); !s) return std::unexpected(s.error());
    }
  }
  auto rec = record_of(*server);
  if (auto s = save_server(store_, rec); !s) return std::unexpected(s.error());
  if (on_change_) {
    if (auto s = on_change_(); !s) {
      step.failed(s.error().message);
      return std::unexpected(s.error().context("server " + rec.id + " is recorded but gets no containers"));
    }
  }
  step.done(rec.id + " at " + rec.ip);
  return rec;
}

Result<ServerRecord> ProviderServerSource::create(const Resources& size, const Tags& tags) {
  ServerSpec spec;
  spec.memory_mb = static_cast<int>(size.memory_mb);
  spec.cpu = static_cast<double>(size.cpu_millis) / 1000.0;
  for (const auto& [k, v] : tags) spec.tags.push_back(v.empty() ? k : k + "=" + v);
  return create_spec(spec);
}

Status ProviderServerSource::destroy(const ServerRecord& server) {
  Step step("destroy server " + server.id);
  if (auto s = provider_.destroy(server_of(server)); !s) {
    step.failed(s.error().message);
    return s;
  }
  (void)keys_.forget(server.id);
  if (auto s = remove_server(store_, server.id); !s) return s;
  return on_change_ ? on_change_() : Status{};
}

}  // namespace quarry
