// An HttpClient for unit tests: records every request and answers from a
// script. A rule matches on the method and a substring of the URL; each rule
// holds a queue of replies, served in order, the last one repeating.
// Unmatched requests get an Error (kind Remote) naming them.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/http_client.h"

namespace quarry {

class FakeHttpClient : public HttpClient {
 public:
  // Adds a reply to the rule (method, url_contains), making the rule if new.
  void on(const std::string& method, const std::string& url_contains, int status, std::string body);
  // Adds a whole response (with headers) to the rule.
  void on_response(const std::string& method, const std::string& url_contains, HttpResponse response);
  // The rule answers with a transport failure instead (connection refused).
  void fail_with(const std::string& method, const std::string& url_contains, Error error);

  Result<HttpResponse> send(const HttpRequest& request) override;

  std::vector<HttpRequest> requests() const;
  // "METHOD URL" of every request, in order, for golden comparisons.
  std::vector<std::string> calls() const;
  // How many requests matched (method, url_contains).
  int count(const std::string& method, const std::string& url_contains) const;

 private:
  struct Rule {
    std::string method;
    std::string url_contains;
    std::deque<Result<HttpResponse>> replies;
  };
  Rule& rule(const std::string& method, const std::string& url_contains);

  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  std::vector<HttpRequest> requests_;
};

}  // namespace quarry
