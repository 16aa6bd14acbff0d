// Servers as EC2 instances, through the EC2 Query API (Version 2016-11-15,
// POST form bodies signed with AWS Signature Version 4, XML answers):
//   create   RunInstances, then DescribeInstances until "running" with an
//            address, then until port 22 answers
//   destroy  TerminateInstances  (InvalidInstanceID.NotFound counts as gone)
//   list     DescribeInstances filtered on the tag key `tag`, pending or running
// Instances carry the tags Name=<spec name>, <tag>="" and one per spec tag
// ("role=router" becomes role=router).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "cloud/http_client.h"
#include "cloud/provider.h"
#include "cloud/waiting.h"
#include "cloud/xml_lite.h"

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
  std::string authorized_key;                    // the HQ's public key, put in user data
  std::string tag = "quarry";
  bool use_private_ip = false;                   // reach servers on their VPC address
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds create_timeout{600000};
  bool wait_for_ssh = true;
};

class Ec2Provider : public Provider {
 public:
  // `http` must outlive the provider. Thread-safe when `http` is.
  Ec2Provider(Ec2Config config, HttpClient& http, WaitDeps deps = WaitDeps::real());

  std::string name() const override { return "ec2"; }
  // On a failure after the instance exists, it is terminated before the
  // error is returned.
  Result<Server> create(const ServerSpec& spec) override;
  Status destroy(const Server& server) override;
  Result<std::vector<Server>> list() override;

 private:
  using Params = std::vector<std::pair<std::string, std::string>>;
  // Signs and sends one action; returns the parsed answer of a 2xx response,
  // or an error holding the API's Code and Message.
  Result<XmlNode> call(const std::string& action, const Params& params);
  Result<Server> wait_running(const std::string& instance_id, const ServerSpec& spec);

  Ec2Config config_;
  HttpClient& http_;
  WaitDeps deps_;
};

// The form parameters of RunInstances for `spec` (pure; for tests). Fails
// when no instance type fits the spec.
Result<std::vector<std::pair<std::string, std::string>>> ec2_run_instances_params(const Ec2Config& config,
                                                                                  const ServerSpec& spec);

// The instances of a RunInstances or DescribeInstances answer, as Servers.
std::vector<Server> ec2_parse_instances(const XmlNode& response, const Ec2Config& config);

// The "Code: Message" of an EC2 error document, or "" when it holds none.
std::string ec2_error_text(const XmlNode& response);

}  // namespace quarry
