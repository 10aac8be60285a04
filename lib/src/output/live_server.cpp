#include "actrec/output/live_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>

#include "actrec/core/json_text.hpp"

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
#down{display:none;background:#c62828;color:#fff;padding:4px 12px;border-radius:4px;font-weight:bold}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,560px),1fr));gap:16px;padding:16px}
.camera{background:#1d2027;border-radius:6px;padding:10px}
.camera h2{font-size:16px;margin:0 0 4px;display:flex;gap:10px;align-items:baseline}
.camera .status{font-size:12px;color:#aaa;font-weight:normal}
.camera .status.lost{color:#ff7b6b;font-weight:bold}
.camera.down{outline:3px solid #c62828}
.video{width:100%;background:#000;border-radius:4px;min-height:120px;display:block}
.stages{font-size:11px;color:#888;margin:2px 0 6px}
h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#999;margin:8px 0 4px}
table{border-collapse:collapse;width:100%}
td{padding:3px 6px;border-bottom:1px solid #333}
.label{display:inline-block;padding:1px 8px;border-radius:10px;color:#000;font-weight:600}
.events{list-style:none;padding:0;margin:0;font-size:13px;max-height:11em;overflow:auto}
.events li{padding:2px 0;border-bottom:1px solid #2c2c2c}
.events .ev-fall,.events .ev-unseen,.events .ev-stream_lost{color:#ff7b6b;font-weight:bold}
a{color:#8ab4f8}
video.clip{width:100%;margin-top:6px}
</style></head><body>
<header><h1>actrec live</h1><span id="status">connecting…</span><span id="down">Person down</span></header>
<main id="cameras"></main>
<script>
function text(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
function clipPath(s,e){return 'clips/'+encodeURIComponent(s.camera)+'/'+encodeURIComponent(String(e.clip).split('/').pop())}
function describe(s,e){
  const who=e.person!==undefined?'#'+e.person+' ':'';
  switch(e.event){
    case 'label':return text(who+(e.previous?e.previous+' → ':'')+e.label);
    case 'gone':return text(who+'left'+(e.down?' (still down)':''));
    case 'fall':return text(who+'FELL');
    case 'unseen':return text(who+'not seen any more: still down');
    case 'up':return text(who+'up again'+(e.identity_lost?' (everyone in view is up)':''));
    case 'clip':return e.written?text(who)+'<a href="#" data-clip="'+text(clipPath(s,e))+'">clip of the fall</a>':
      text(who+'clip of the fall NOT saved');
    case 'stream_lost':return text('stream lost: '+(e.reason||''));
    case 'stream_back':return text('stream back after '+e.downtime_s+' s');
    default:return text(e.event);
  }
}
function card(s){
  let el=document.getElementById('camera-'+s.camera);
  if(!el){
    el=document.createElement('section');el.className='camera';el.id='camera-'+s.camera;
    el.innerHTML='<h2><span class="name"></span><span class="status"></span></h2>'+
      '<img class="video" alt="live video with labels"><div class="stages"></div>'+
      '<h3>People</h3><table><tbody class="people"></tbody></table>'+
      '<h3>Events</h3><ul class="events"></ul><div class="player"></div>';
    el.querySelector('.name').textContent=s.camera;
    document.getElementById('cameras').appendChild(el);
    // Set once the page has loaded: an MJPEG image never finishes loading.
    el.querySelector('.video').src='stream/'+encodeURIComponent(s.camera)+'.mjpg';
    el.addEventListener('click',ev=>{
      const a=ev.target.closest('a[data-clip]');if(!a)return;ev.preventDefault();
      el.querySelector('.player').innerHTML='<video class="clip" controls autoplay src="'+
        a.getAttribute('data-clip')+'"></video>';});
  }
  return el;
}
function render(all){
  if(!all||!all.cameras)return;
  const names=all.cameras.map(s=>s.camera);
  for(const el of [...document.querySelectorAll('.camera')])
    if(!names.includes(el.id.slice(7)))el.remove();
  let down=false,online=0;
  for(const s of all.cameras){
    const el=card(s);
    down=down||s.person_down;online+=s.online?1:0;
    el.classList.toggle('down',!!s.person_down);
    const st=el.querySelector('.status');
    st.className='status'+(s.online?'':' lost');
    st.textContent=s.online?(s.fps.toFixed(1)+' fps · latency '+Math.round(s.latency_ms)+' ms'):
      s.frame<0?'waiting for the source…':'stream lost, reconnecting…';
    el.querySelector('.stages').textContent=s.stages?Object.entries(s.stages).map(([k,v])=>
      k+' '+v.toFixed(1)+' ms').join(' · '):'';
    el.querySelector('.people').innerHTML=s.people.map(p=>'<tr><td>#'+p.person+
      '</td><td><span class="label" style="background:'+p.colour+'">'+text(p.label)+
      '</span></td><td>'+Math.round(100*p.confidence)+'%</td></tr>').join('')||
      '<tr><td>nobody in view</td></tr>';
    el.querySelector('.events').innerHTML=s.events.slice().reverse().map(e=>
      '<li class="ev-'+text(e.event)+'">'+text((e.time||'').slice(11,19))+' '+describe(s,e)+
      '</li>').join('');
  }
  document.getElementById('down').style.display=down?'inline':'none';
  document.getElementById('status').textContent=all.cameras.length+' camera'+
    (all.cameras.length==1?'':'s')+', '+online+' online';
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
    std::string first;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!order_.empty()) first = order_.front();
    }
    serve_image(first, response);
  });
  server.Get(R"(/stream/([A-Za-z0-9_-]+)\.mjpg)",
             [this](const httplib::Request& request, httplib::Response& response) {
               serve_image(request.matches[1], response);
             });
  server.Get(R"(/clips/([A-Za-z0-9_-]+)/([A-Za-z0-9_.-]+\.mp4))",
             [this](const httplib::Request& request, httplib::Response& response) {
               std::string folder;
               {
                 std::lock_guard<std::mutex> lock(mutex_);
                 const auto camera = cameras_.find(request.matches[1]);
                 if (camera != cameras_.end()) folder = camera->second.clips;
               }
               const std::string name = request.matches[2];
               // Only a clip file of that folder: the name has no slash, and no hidden file
               // (a temporary being written) is a clip yet.
               const std::string path = folder + "/" + name;
               std::error_code error;
               if (folder.empty() || name.front() == '.' ||
                   !std::filesystem::is_regular_file(path, error)) {
                 response.status = 404;
                 return;
               }
               std::ifstream in(path, std::ios::binary);
               std::string bytes((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
               response.set_content(std::move(bytes), "video/mp4");
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

void LiveServer::serve_image(const std::string& camera, httplib::Response& response) {
  std::shared_ptr<std::atomic<int>> viewers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = cameras_.find(camera);
    if (it == cameras_.end()) {
      response.status = 404;
      return;
    }
    viewers = it->second.viewers;
  }
  response.set_header("Cache-Control", "no-store");
  const auto next = [this, camera, shown = int64_t{-1}](httplib::DataSink& sink) mutable {
    std::unique_lock<std::mutex> lock(mutex_);
    // A bounded wait: a stopping server is noticed while the stream is still, and the frame
    // shown is sent again, which finds viewers who have gone.
    const auto newest = [&]() -> const Camera* {
      const auto it = cameras_.find(camera);
      return it == cameras_.end() ? nullptr : &it->second;
    };
    changed_.wait_for(lock, std::chrono::milliseconds(500), [&] {
      return stopping_ || !newest() || (newest()->jpeg && newest()->frame_number != shown);
    });
    if (stopping_ || !newest()) return false;  // stopped, or the camera was removed
    if (!newest()->jpeg) return true;          // nothing to show yet: ask again
    const Jpeg jpeg = newest()->jpeg;
    shown = newest()->frame_number;
    lock.unlock();
    const std::string head = fmt::format(
        "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg->size());
    return sink.write(head.data(), head.size()) &&
           sink.write(reinterpret_cast<const char*>(jpeg->data()), jpeg->size()) &&
           sink.write("\r\n", 2);
  };
  if (http_->stream(response, "multipart/x-mixed-replace; boundary=frame", next,
                    [viewers] { --*viewers; })) {
    ++*viewers;
  }
}

int LiveServer::viewers(const std::string& camera) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = cameras_.find(camera);
  return it == cameras_.end() ? 0 : it->second.viewers->load();
}

void LiveServer::changed() {
  // The first camera's state at the top (what a page or script of one camera reads) and
  // everyone's in "cameras".
  nlohmann::json all = nlohmann::json::object();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& name : order_) {
    nlohmann::json one = nlohmann::json::parse(cameras_.at(name).state, nullptr, false);
    if (one.is_discarded() || !one.is_object()) one = nlohmann::json::object();
    one["camera"] = name;
    if (list.empty()) all = one;
    list.push_back(std::move(one));
  }
  all["cameras"] = std::move(list);
  state_ = json_text(all);
  ++state_number_;
}

void LiveServer::frame(const std::string& camera, Jpeg jpeg) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, added] = cameras_.try_emplace(camera);
    if (added) order_.push_back(camera);
    it->second.jpeg = std::move(jpeg);
    ++it->second.frame_number;
  }
  changed_.notify_all();
}

void LiveServer::state(const std::string& camera, const std::string& json) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, added] = cameras_.try_emplace(camera);
    if (added) order_.push_back(camera);
    it->second.state = json;
    changed();
  }
  changed_.notify_all();
}

void LiveServer::clips(const std::string& camera, const std::string& folder) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, added] = cameras_.try_emplace(camera);
  if (added) order_.push_back(camera);
  it->second.clips = folder;
}

void LiveServer::remove(const std::string& camera) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cameras_.erase(camera) == 0) return;
    order_.erase(std::find(order_.begin(), order_.end(), camera));
    changed();
  }
  changed_.notify_all();
}

}  // namespace actrec::output
