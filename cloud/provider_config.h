// The cloud settings (the store's etc/cloud.json, mode 0600), parsed and
// checked. One flat JSON object: "provider" picks the backend and the other
// keys are that backend's (docs/cloud.md lists them):
//   {"provider": "local", "cluster_id": "dev1"}
//   {"provider": "digitalocean", "token": "...", "region": "fra1"}
//   {"provider": "ec2", "access_key_id": "...", "secret_access_key": "...",
//    "region": "eu-west-1", "image_id": "ami-..."}
// Parsing constructs nothing: cli/ builds the provider from the result, and
// fills in what comes from the HQ rather than from the file (the local
// state_dir, the HQ's public key). Error messages name keys, never values,
// so secrets never reach a terminal or a log.
#pragma once

#include <string>
#include <string_view>

#include "cloud/digitalocean_provider.h"
#include "cloud/ec2_provider.h"
#include "cloud/local_provider.h"
#include "core/error.h"

namespace quarry {

struct CloudConfig {
  std::string provider;              // "local", "digitalocean" or "ec2"
  LocalCloudConfig local;            // when provider == "local"
  DigitalOceanConfig digitalocean;   // when provider == "digitalocean"
  Ec2Config ec2;                     // when provider == "ec2"
};

// Fails (kind User) on invalid JSON, an unknown provider or key (with a
// "did you mean"), a value of the wrong type or a missing required key.
Result<CloudConfig> parse_cloud_config(std::string_view json);

// A cluster id for the local cloud derived from the quarry home directory
// (6 hex characters of its SHA-256), so that two homes on one machine get
// different bridges and namespaces.
std::string default_cluster_id(std::string_view home);

}  // namespace quarry
