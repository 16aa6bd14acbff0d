// Servers as DigitalOcean droplets, through the API v2 (bearer token auth):
//   create   POST   /v2/droplets, then GET /v2/droplets/{id} until the droplet
//            is "active" with a public IPv4 address, then until port 22 answers
//   destroy  DELETE /v2/droplets/{id}   (404 counts as already gone)
//   list     GET    /v2/droplets?tag_name=TAG (every page)
// Every droplet gets the tag `tag` (default "quarry"); the spec's tags
// ("role=router") become droplet tags with '=' written as ':'.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cloud/http_client.h"
#include "cloud/provider.h"
#include "cloud/waiting.h"

namespace quarry {

struct DigitalOceanConfig {
  std::string token;                             // secret: never in messages
  std::string region = "nyc3";
  std::string image = "debian-12-x64";
  std::string size;                              // a size slug; empty: from memory/cpu (instance_sizes.h)
  std::vector<std::string> ssh_keys;             // account key ids or fingerprints, for root
  std::string ssh_user = "quarry";               // the user the first-boot script makes
  std::string authorized_key;                    // the HQ's public key, put in user_data
  std::string tag = "quarry";
  std::string base_url = "https://api.digitalocean.com";
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds create_timeout{600000};  // until active and port 22 open
  bool wait_for_ssh = true;
};

class DigitalOceanProvider : public Provider {
 public:
  // `http` must outlive the provider. Thread-safe when `http` is.
  DigitalOceanProvider(DigitalOceanConfig config, HttpClient& http, WaitDeps deps = WaitDeps::real());

  std::string name() const override { return "digitalocean"; }
  // On a failure after the droplet exists (never active, timed out), the
  // droplet is deleted before the error is returned, so nothing is billed.
  Result<Server> create(const ServerSpec& spec) override;
  Status destroy(const Server& server) override;
  Result<std::vector<Server>> list() override;

 private:
  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& body = {});
  Result<Server> wait_active(const std::string& droplet_id, const ServerSpec& spec);

  DigitalOceanConfig config_;
  HttpClient& http_;
  WaitDeps deps_;
};

// The request body of POST /v2/droplets for `spec` (pure; for tests and
// dry runs). Fails when no size fits the spec.
Result<std::string> digitalocean_create_body(const DigitalOceanConfig& config, const ServerSpec& spec);

}  // namespace quarry
