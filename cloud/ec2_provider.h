// Servers as EC2 instances, through the EC2 Query API (Version 2016-11-15,
// POST form bodies signed with AWS Signature Version 4, XML answers read
// with pugixml):
//   launch   RunInstances with ClientToken = the create token and the tag
//            quarry-create=TOKEN; after an unknown outcome (no answer, 5xx,
//            throttling) DescribeInstances on that tag finds an instance the
//            lost request made before RunInstances is tried again
//   wait     DescribeInstances until "running" with an address, then until
//            port 22 answers
//   destroy  TerminateInstances  (InvalidInstanceID.NotFound counts as gone)
//   list     DescribeInstances filtered on the tag key `tag`, not terminated
//   resize   StopInstances, wait "stopped", ModifyInstanceAttribute
//            InstanceType, StartInstances, wait
// Every call is retried on 429, 5xx and the codes botocore retries
// (RequestLimitExceeded, Throttling, ...), with backoff and jitter.
// Instances carry the tags Name=<spec name>, <tag>="" and one per spec tag
// ("role=router" becomes role=router).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cloud/http_client.h"
#include "cloud/provider.h"
#include "cloud/retry.h"
#include "cloud/waiting.h"

namespace quarry {

struct Ec2Config {
  std::string access_key_id;                     // secret: never in messages
  std::string secret_access_key;                 // secret: never in messages
  std::string session_token;                     // optional (temporary credentials)
  std::string region = "us-east-1";
  std::string endpoint;                          // empty: https://ec2.REGION.amazonaws.com
  std::string image_id;                          // AMI, required (a Debian or Ubuntu image)
  std::string instance_type;                     // empty: from memory/cpu (instance_sizes.h)
  std::string key_name;                          // optional EC2 key pair, for the image's default user
  std::string subnet_id;                         // optional
  std::vector<std::string> security_group_ids;   // optional; must allow port 22 from the HQ
  std::string ssh_user = "quarry";
  std::string authorized_key;                    // an HQ's public key, put in user data
  std::vector<std::string> authorized_keys;      // every HQ's public key, with authorized_key
  std::string tag = "quarry";                    // the cluster's tag key (cli makes it quarry-CLUSTER)
  std::string cluster_id;                        // names servers q-CLUSTER-N; empty: from the home
  bool use_private_ip = false;                   // reach servers on their VPC address
  std::map<std::string, double> monthly_prices;  // instance type -> USD a month (EC2 has no price API here)
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds create_timeout{600000};
  bool wait_for_ssh = true;
  bool gc_destroy_unknown = false;               // audits give back tagged servers with no record
  RetryPolicy retry;
};

using Ec2Params = std::vector<std::pair<std::string, std::string>>;

class Ec2Provider : public Provider {
 public:
  // `http` must outlive the provider. Thread-safe when `http` is.
  Ec2Provider(Ec2Config config, HttpClient& http, WaitDeps deps = WaitDeps::real());

  std::string name() const override { return "ec2"; }
  Result<Server> launch(const ServerSpec& spec) override;
  Result<Server> wait_ready(const Server& server) override;
  Result<std::optional<Server>> find_launched(const std::string& token) override;
  Status destroy(const Server& server) override;
  Result<std::vector<Server>> list() override;
  Result<Server> resize(const Server& server, const std::string& size) override;
  Result<std::vector<SizePrice>> sizes() override;

  // What one action came to: the answer's XML on a 2xx, else the error.
  struct Answer {
    int status = 0;              // 0: no answer arrived
    std::string body;
    std::string code;            // the EC2 error code, when there is one
    std::string error;           // a message for the operator
    bool ok() const { return status >= 200 && status <= 299; }
    bool retryable() const;      // no answer, 429, 5xx or a throttling code
  };

 private:
  Answer send_once(const std::string& action, const Ec2Params& params);
  // Retries while retryable; with `idempotent` false, only on throttling
  // answers (which say nothing was done).
  Answer call(const std::string& action, const Ec2Params& params, bool idempotent = true);
  Result<std::vector<Server>> describe(const Ec2Params& filters);
  Result<Server> wait_state(const Server& server, const std::string& want);

  Ec2Config config_;
  HttpClient& http_;
  WaitDeps deps_;
};

// The form parameters of RunInstances for `spec` (pure; for tests). Fails
// when no instance type fits the spec or a name or tag is invalid.
Result<Ec2Params> ec2_run_instances_params(const Ec2Config& config, const ServerSpec& spec);

// The instances of a RunInstances or DescribeInstances answer, as Servers.
// Fails (kind Remote) when `xml` is not well-formed.
Result<std::vector<Server>> ec2_parse_instances(std::string_view xml, const Ec2Config& config);

// The code and "Code: Message" of an EC2 error document ("" when it holds none).
std::pair<std::string, std::string> ec2_error_of(std::string_view xml);

// Base64 (standard, padded) through OpenSSL.
std::string openssl_base64(std::string_view data);

}  // namespace quarry
