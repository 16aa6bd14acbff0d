// The first-boot script a cloud server runs (user data, executed by
// cloud-init on DigitalOcean's and EC2's Debian and Ubuntu images): it installs
// docker and sshd, creates the unprivileged SSH user in the docker group and
// authorizes the HQ's key. Everything the script needs comes in as quoted
// values; the result is a pure function of its inputs.
#pragma once

#include <string>

namespace quarry {

struct CloudInitOptions {
  std::string ssh_user = "quarry";     // created if missing, in group docker, shell /bin/sh
  std::string authorized_key;          // one OpenSSH public key line (the HQ's)
};

// A "#!/bin/sh" script; every value passes through shell_quote.
std::string render_cloud_init(const CloudInitOptions& options);

}  // namespace quarry
