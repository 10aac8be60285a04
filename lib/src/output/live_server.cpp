#include "actrec/output/live_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <string_view>
#include <thread>

namespace actrec::output {
namespace {

// One page, no outside resources (the machine beside a camera may have no internet). The
// image is set from script once the page has loaded: an MJPEG image never finishes loading,
// and would otherwise hold the page's load event back for ever.
constexpr const char* kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>actrec live</title>
<style>
body{margin:0;font:15px/1.4 system-ui,sans-serif;background:#16181d;color:#e8e8e8}
header{padding:10px 16px;background:#23262e;display:flex;gap:18px;align-items:baseline}
header h1{font-size:18px;margin:0}
#status{font-size:13px;color:#aaa}
#status.lost{color:#ff7b6b;font-weight:bold}
main{display:flex;flex-wrap:wrap;gap:16px;padding:16px}
#video{max-width:100%;width:720px;background:#000;border-radius:4px;min-height:200px}
aside{flex:1;min-width:260px}
h2{font-size:14px;text-transform:uppercase;letter-spacing:.06em;color:#999;margin:0 0 6px}
table{border-collapse:collapse;width:100%;margin-bottom:18px}
td{padding:4px 6px;border-bottom:1px solid #333}
.label{display:inline-block;padding:1px 8px;border-radius:10px;color:#000;font-weight:600}
#down{display:none;background:#c62828;color:#fff;padding:8px 12px;border-radius:4px;
margin-bottom:14px;font-weight:bold}
#events{list-style:none;padding:0;margin:0;font-size:13px}
#events li{padding:3px 0;border-bottom:1px solid #2c2c2c}
#events .ev-fall,#events .ev-unseen,#events .ev-stream_lost{color:#ff7b6b;font-weight:bold}
</style></head><body>
<header><h1 id="title">actrec live</h1><span id="status">connecting…</span></header>
<main><img id="video" src="stream.mjpg" alt="live video with labels">
<aside><div id="down">Person down</div>
<h2>People</h2><table><tbody id="people"></tbody></table>
<h2>Events</h2><ul id="events"></ul></aside></main>
<script>
function text(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
function describe(e){
  const who=e.person!==undefined?'#'+e.person+' ':'';
  switch(e.event){
    case 'label':return who+(e.previous?e.previous+' → ':'')+e.label;
    case 'gone':return who+'left';
    case 'fall':return who+'FELL';
    case 'unseen':return who+'not seen any more: still down';
    case 'up':return who+'up again'+(e.identity_lost?' (everyone in view is up)':'');
    case 'clip':return who+(e.written?'clip of the fall saved':'clip of the fall NOT saved');
    case 'stream_lost':return 'stream lost: '+(e.reason||'');
    case 'stream_back':return 'stream back after '+e.downtime_s+' s';
    default:return e.event;
  }
}
function render(s){
  if(!s.camera)return;
  document.getElementById('title').textContent='actrec · '+s.camera;
  const st=document.getElementById('status');
  st.className=s.online?'':'lost';
  st.textContent=s.online?(s.fps.toFixed(1)+' fps · latency '+Math.round(s.latency_ms)+' ms'):
    s.frame<0?'waiting for the source…':'stream lost, reconnecting…';
  document.getElementById('down').style.display=s.person_down?'block':'none';
  document.getElementById('people').innerHTML=s.people.map(p=>'<tr><td>#'+p.person+
    '</td><td><span class="label" style="background:'+p.colour+'">'+text(p.label)+
    '</span></td><td>'+Math.round(100*p.confidence)+'%</td></tr>').join('')||
    '<tr><td>nobody in view</td></tr>';
  document.getElementById('events').innerHTML=s.events.slice().reverse().map(e=>
    '<li class="ev-'+text(e.event)+'">'+text((e.time||'').slice(11,19))+' '+text(describe(e))+
    '</li>').join('');
}
function listen(){
  const source=new EventSource('events');
  source.onmessage=m=>render(JSON.parse(m.data));
  source.onerror=()=>{document.getElementById('status').textContent='page disconnected, retrying…'};
}
render(/*STATE*/);
listen();
</script></body></html>
)html";

}  // namespace

LiveServer::LiveServer(const std::string& host, int port, const std::string& token)
    : http_(std::make_unique<HttpServer>(host, port, HttpLimits{}, token)) {
  httplib::Server& server = http_->routes();
  server.Get("/", [this](const httplib::Request&, httplib::Response& response) {
    // The state now, in the page itself: it shows people and events at once, not at the first
    // push. "</" is escaped so that no text in it can end the script.
    std::string state;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state = state_;
    }
    for (size_t at = 0; (at = state.find("</", at)) != std::string::npos; at += 3) {
      state.replace(at, 2, "<\\/");
    }
    std::string page = kPage;
    const std::string slot = "/*STATE*/";
    page.replace(page.find(slot), slot.size(), state);
    response.set_header("Cache-Control", "no-store");
    response.set_content(page, "text/html; charset=utf-8");
  });
  server.Get("/state.json", [this](const httplib::Request&, httplib::Response& response) {
    std::lock_guard<std::mutex> lock(mutex_);
    response.set_header("Cache-Control", "no-store");
    response.set_content(state_, "application/json");
  });
  server.Get("/stream.mjpg", [this](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    const auto next = [this, shown = int64_t{-1}](httplib::DataSink& sink) mutable {
      std::unique_lock<std::mutex> lock(mutex_);
      // A bounded wait: a stopping server is noticed while the stream is still, and the frame
      // shown is sent again, which finds viewers who have gone.
      changed_.wait_for(lock, std::chrono::milliseconds(500),
                        [&] { return stopping_ || (jpeg_ && frame_number_ != shown); });
      if (stopping_) return false;
      if (!jpeg_) return true;  // nothing to show yet: ask again
      const Jpeg jpeg = jpeg_;
      shown = frame_number_;
      lock.unlock();
      const std::string head = fmt::format(
          "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg->size());
      return sink.write(head.data(), head.size()) &&
             sink.write(reinterpret_cast<const char*>(jpeg->data()), jpeg->size()) &&
             sink.write("\r\n", 2);
    };
    if (http_->stream(response, "multipart/x-mixed-replace; boundary=frame", next,
                      [this] { --viewers_; })) {
      ++viewers_;
    }
  });
  server.Get("/events", [this](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    http_->stream(response, "text/event-stream",
                  [this, sent = int64_t{-1}](httplib::DataSink& sink) mutable {
                    std::unique_lock<std::mutex> lock(mutex_);
                    changed_.wait_for(lock, std::chrono::milliseconds(500),
                                      [&] { return stopping_ || state_number_ != sent; });
                    if (stopping_) return false;
                    if (state_number_ == sent) {
                      // A comment, which finds viewers who have gone; a byte more would begin
                      // the next message's first line, and the browser would drop it.
                      constexpr std::string_view kIdle = ": idle\n\n";
                      return sink.write(kIdle.data(), kIdle.size());
                    }
                    const std::string message = "data: " + state_ + "\n\n";
                    sent = state_number_;
                    lock.unlock();
                    const bool ok = sink.write(message.data(), message.size());
                    // At most ten a second: a page needs no more, and a slow viewer gets the
                    // newest.
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    return ok;
                  });
  });
  http_->start();
}

LiveServer::~LiveServer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  http_.reset();  // its threads use this object: they end first
}

void LiveServer::frame(Jpeg jpeg) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jpeg_ = std::move(jpeg);
    ++frame_number_;
  }
  changed_.notify_all();
}

void LiveServer::state(std::string json) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = std::move(json);
    ++state_number_;
  }
  changed_.notify_all();
}

}  // namespace actrec::output
