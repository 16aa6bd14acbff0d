// The cloud API mocks of the e2e tests, each started once per test process
// on loopback and stopped at exit: Stoplight Prism serving DigitalOcean's
// OpenAPI spec, moto_server (EC2), and api_proxy.py in front of either
// (faults on demand; for EC2, every request checked against botocore's
// model). A mock that cannot start makes the tests that need it fail,
// saying why.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "cloud/http_client.h"

namespace quarry::e2e {

struct Daemon {
  std::string dir;
  int pid = 0;
  int port = 0;
  std::string error;       // non-empty: it did not start
  ~Daemon();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

// DigitalOcean's spec: QUARRY_SHARED_DIR/specs/digitalocean, else
// ${QUARRY_SOURCE_DIR}/../shared/specs/digitalocean.
std::string digitalocean_spec_dir();

Daemon& prism();
Daemon& moto();
// Proxies in front of prism() and moto() (the EC2 one checks the model).
Daemon& prism_proxy();
Daemon& moto_proxy();

// Replaces the proxy's faults (a JSON list, see api_proxy.py).
void set_faults(Daemon& proxy, const std::string& faults_json);
// What the proxy forwarded ("METHOD PATH" or the EC2 action), and the
// model violations it saw, since the last clear.
std::vector<std::string> forwarded(Daemon& proxy);
std::vector<std::string> violations(Daemon& proxy);
void clear_log(Daemon& proxy);
// Empties moto's state (POST /moto-api/reset).
void reset_moto();
// The ids of moto's instances tagged `tag` that are not terminated, read
// from moto directly (not through the proxy). Throws when moto does not
// answer, which fails the calling test with moto's error.
std::set<std::string> moto_instances(const std::string& tag);

// Fails the test (through the returned string) on an sl-violations header.
struct ContractHttp : HttpClient {
  CurlHttpClient real;
  std::vector<std::string> violations;
  int sent = 0;
  Result<HttpResponse> send(const HttpRequest& r) override;
};

}  // namespace quarry::e2e
