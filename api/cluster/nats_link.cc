#include "api/cluster/nats_link.h"

#include <thread>

#include <nlohmann/json.hpp>

namespace creditlog::api {

std::string NatsError(natsStatus s, std::string_view what) {
  std::string message = std::string(what) + ": " + natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  if (const char* text = nats_GetLastError(&last); text != nullptr && *text != '\0') message += " (" + std::string(text) + ")";
  return message;
}

NatsLink::~NatsLink() {
  if (js != nullptr) jsCtx_Destroy(js);
  if (connection != nullptr) {
    natsConnection_Close(connection);
    natsConnection_Destroy(connection);
  }
  if (options != nullptr) natsOptions_Destroy(options);
}

Status NatsLink::Connect(const std::vector<std::string>& urls, jsOptions* js_options, std::chrono::steady_clock::time_point deadline) {
  std::vector<const char*> servers;
  for (const std::string& url : urls) servers.push_back(url.c_str());
  natsStatus s = natsOptions_Create(&options);
  if (s == NATS_OK) s = natsOptions_SetServers(options, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(options, Ms(kClusterConnectTimeout));
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(options, -1);  // forever: the cluster comes back
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(options, Ms(kClusterReconnectWait));
  if (s == NATS_OK) s = natsOptions_SetPingInterval(options, Ms(kClusterPingInterval));
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(options, kClusterPingsOutMax);
  if (s != NATS_OK) return NatsUnavailable(s, "setting up the NATS connection");
  for (;;) {
    s = natsConnection_Connect(&connection, options);
    if (s == NATS_OK) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return NatsUnavailable(s, "no NATS server of " + nlohmann::json(urls).dump() + " answered within " +
                                    std::to_string(kClusterStreamWait.count()) + " s");
    }
    std::this_thread::sleep_for(kClusterReconnectWait);
  }
  s = natsConnection_JetStream(&js, connection, js_options);
  if (s != NATS_OK) return NatsUnavailable(s, "opening JetStream");
  return Status::Ok();
}

Result<StreamStanding> EnsureStream(jsCtx* js, const std::string& name, const std::string& subject, int replicas,
                                    std::chrono::steady_clock::time_point deadline) {
  StreamStanding standing;
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = NATS_OK;
  for (;;) {
    s = js_GetStreamInfo(&info, js, name.c_str(), nullptr, &code);
    if (s == NATS_OK || s == NATS_NOT_FOUND || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(kClusterReconnectWait);  // JetStream not ready yet
  }
  if (s == NATS_NOT_FOUND) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = name.c_str();
    const char* subjects[] = {subject.c_str()};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = replicas;
    config.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(kClusterDuplicateWindow).count();
    for (;;) {
      s = js_AddStream(&info, js, &config, nullptr, &code);
      if (s == NATS_OK) {
        standing.created = true;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
      // Another node created it meanwhile: use it.
      if (js_GetStreamInfo(&info, js, name.c_str(), nullptr, &code) == NATS_OK) break;
      std::this_thread::sleep_for(kClusterReconnectWait);
    }
    if (info == nullptr) {
      return NatsUnavailable(s, "creating stream " + name + " (JetStream error " + std::to_string(code) + ")");
    }
  } else if (s != NATS_OK) {
    return NatsUnavailable(s, "reading stream " + name + " (JetStream error " + std::to_string(code) + ")");
  }
  standing.last_seq = info->State.LastSeq;
  standing.created_ns = info->Created;
  jsStreamInfo_Destroy(info);
  return standing;
}

Result<natsSubscription*> SubscribeOrdered(jsCtx* js, const std::string& stream, const std::string& subject, uint64_t start_seq,
                                           std::chrono::steady_clock::time_point deadline) {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream.c_str();
  options.Ordered = true;
  options.Config.DeliverPolicy = start_seq > 1 ? js_DeliverByStartSequence : js_DeliverAll;
  if (start_seq > 1) options.Config.OptStartSeq = start_seq;
  natsSubscription* subscription = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = NATS_OK;
  for (;;) {
    s = js_SubscribeSync(&subscription, js, subject.c_str(), nullptr, &options, &code);
    if (s == NATS_OK) return subscription;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(kClusterReconnectWait);
  }
  return NatsUnavailable(s, "subscribing to " + subject + " in stream " + stream + " (JetStream error " + std::to_string(code) + ")");
}

}  // namespace creditlog::api
