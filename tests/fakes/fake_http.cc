#include "tests/fakes/fake_http.h"

namespace quarry {

FakeHttpClient::Rule& FakeHttpClient::rule(const std::string& method, const std::string& url_contains) {
  for (auto& r : rules_)
    if (r.method == method && r.url_contains == url_contains) return r;
  rules_.push_back({method, url_contains, {}});
  return rules_.back();
}

void FakeHttpClient::on(const std::string& method, const std::string& url_contains, int status, std::string body) {
  std::lock_guard g(mu_);
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  rule(method, url_contains).replies.push_back(std::move(r));
}

void FakeHttpClient::on_response(const std::string& method, const std::string& url_contains, HttpResponse response) {
  std::lock_guard g(mu_);
  rule(method, url_contains).replies.push_back(std::move(response));
}

void FakeHttpClient::fail_with(const std::string& method, const std::string& url_contains, Error error) {
  std::lock_guard g(mu_);
  rule(method, url_contains).replies.push_back(std::unexpected(std::move(error)));
}

Result<HttpResponse> FakeHttpClient::send(const HttpRequest& request) {
  std::lock_guard g(mu_);
  requests_.push_back(request);
  for (auto& r : rules_) {
    if (r.method != request.method || request.url.find(r.url_contains) == std::string::npos) continue;
    if (r.replies.empty()) break;
    auto reply = r.replies.front();
    if (r.replies.size() > 1) r.replies.pop_front();
    return reply;
  }
  return fail_remote("fake http: no reply scripted for " + request.method + " " + request.url);
}

std::vector<HttpRequest> FakeHttpClient::requests() const {
  std::lock_guard g(mu_);
  return requests_;
}

std::vector<std::string> FakeHttpClient::calls() const {
  std::lock_guard g(mu_);
  std::vector<std::string> out;
  for (const auto& r : requests_) out.push_back(r.method + " " + r.url);
  return out;
}

int FakeHttpClient::count(const std::string& method, const std::string& url_contains) const {
  std::lock_guard g(mu_);
  int n = 0;
  for (const auto& r : requests_)
    if (r.method == method && r.url.find(url_contains) != std::string::npos) ++n;
  return n;
}

}  // namespace quarry
