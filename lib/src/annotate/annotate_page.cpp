#include "annotate_page.hpp"

namespace actrec::annotate {
namespace {

// One page, no outside resources. The people are drawn on a canvas over the video from the
// labels (the pixels stay the video's); segments are edited in the page and each change is
// sent whole (the person's CSV), so that the file on disk is always one the page showed.
constexpr const char* kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>actrec annotate</title>
<style>
body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#16181d;color:#e8e8e8}
header{padding:8px 14px;background:#23262e;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header h1{font-size:17px;margin:0}
#status{font-size:13px;color:#aaa;flex:1}
#notice{display:none;background:#8a5a00;color:#fff;padding:3px 10px;border-radius:4px}
button{background:#3a3f4b;color:#eee;border:1px solid #555;border-radius:4px;padding:4px 10px;cursor:pointer}
button:disabled{opacity:.5;cursor:default}
input{width:4em;background:#222;color:#eee;border:1px solid #555;border-radius:3px}
#layout{display:grid;grid-template-columns:230px 1fr;gap:12px;padding:12px}
aside h3,section h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#999;margin:10px 0 4px}
ul{list-style:none;padding:0;margin:0}
#videos li,#uncertain li{padding:3px 6px;border-radius:4px;cursor:pointer;font-size:13px}
#videos li:hover,#uncertain li:hover{background:#2c3039}
#videos li.open{background:#34507a}
.tag{font-size:11px;color:#9c9;margin-left:4px}
#stage{position:relative;display:inline-block;background:#000;max-width:100%}
#player{display:block;max-width:100%;max-height:60vh}
#overlay{position:absolute;left:0;top:0;pointer-events:auto}
#progress{height:8px;background:#333;border-radius:4px;overflow:hidden;margin:6px 0;display:none}
#progress div{height:100%;background:#5b9bd5;width:0}
#timeline{position:relative;margin-top:8px;user-select:none}
.track{position:relative;height:30px;margin:3px 0 3px 48px;background:#262a32;border-radius:3px;cursor:crosshair}
.track.selected{outline:2px solid #8ab4f8}
.track .who{position:absolute;left:-46px;top:6px;font-size:12px;color:#bbb}
.segment{position:absolute;top:0;height:100%;box-sizing:border-box;border-right:1px solid #111;overflow:hidden;font-size:11px;color:#000;padding-left:3px;white-space:nowrap}
.edge{position:absolute;top:0;width:7px;margin-left:-3px;height:100%;cursor:ew-resize;z-index:2}
.track canvas{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none}
.range{position:absolute;top:-2px;height:calc(100% + 4px);background:rgba(255,255,255,.25);border:1px dashed #fff;pointer-events:none;z-index:3}
#playhead{position:absolute;top:0;bottom:0;width:2px;background:#ff5252;pointer-events:none;z-index:4}
#legend span{display:inline-block;margin:2px 6px 2px 0;padding:1px 7px;border-radius:9px;color:#000;font-size:12px}
#help{font-size:12px;color:#999}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #333;text-align:right}
td:first-child,th:first-child{text-align:left}
</style></head><body>
<header><h1>actrec annotate</h1><span id="status">connecting…</span><span id="notice"></span>
<label>epochs <input id="epochs" value=""></label>
<button id="train">Train on corrections</button><button id="cancel" disabled>Cancel</button></header>
<div id="layout"><aside>
<h3>Videos</h3><ul id="videos"></ul>
<h3>Least confident</h3><ul id="uncertain"></ul>
<h3>Training</h3><div id="training">not run</div><div id="report"></div>
</aside><section>
<div id="stage"><video id="player" controls muted playsinline></video><canvas id="overlay"></canvas></div>
<div id="progress"><div></div></div>
<div id="legend"></div>
<div id="timeline"><div id="playhead"></div></div>
<p id="help">Keys: 1–9 label the selected stretch (or the segment at the playhead) · s split at the playhead ·
m merge with the next segment · n next uncertain stretch · space play/pause · ctrl-z undo · shift-drag on a
track selects a stretch · drag a segment's edge to move it.</p>
</section></div>
<script>
'use strict';
const palette=['rgb(0,159,230)','rgb(233,180,86)','rgb(115,158,0)','rgb(66,228,240)','rgb(178,114,0)',
  'rgb(0,94,213)','rgb(167,121,204)','rgb(120,120,120)','rgb(200,60,60)','rgb(60,200,200)',
  'rgb(240,120,200)','rgb(150,110,70)'];
const bones=[[0,1],[0,2],[1,3],[2,4],[5,6],[5,7],[7,9],[6,8],[8,10],[5,11],[6,12],[11,12],[11,13],[13,15],[12,14],[14,16]];
const S={video:null,person:0,range:null,undo:[],uncertain:[],at:-1,state:null,saving:0,saved:0};
const $=id=>document.getElementById(id);
const player=$('player'),overlay=$('overlay');
function text(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
function colour(label){const i=S.video.classes.indexOf(label);return palette[(i<0?7:i)%palette.length]}
function duration(){const v=S.video;if(!v)return 1;
  let end=0;for(const p of v.people)if(p.t.length)end=Math.max(end,p.t[p.t.length-1]+1/v.fps);
  return Math.max(end,isFinite(player.duration)?player.duration:0)||1}
function notice(message){const n=$('notice');n.textContent=message;n.style.display=message?'inline':'none'}
// A person's segments from the model's frames: runs of one label; a run ends at the next frame,
// or a frame period after its last when the person is not seen next.
function modelSegments(p,fps){const segs=[];
  for(let i=0;i<p.t.length;i++){const label=S.video.classes[p.label[i]];
    const end=i+1<p.t.length&&p.t[i+1]-p.t[i]<2.5/fps?p.t[i+1]:p.t[i]+1/fps;
    const last=segs[segs.length-1];
    if(last&&last.label==label&&Math.abs(last.end_s-p.t[i])<1e-6)last.end_s=end;
    else segs.push({start_s:p.t[i],end_s:end,label:label});}
  return segs}
function normalise(segs){const out=[];
  for(const s of segs.filter(s=>s.end_s-s.start_s>1e-6).sort((a,b)=>a.start_s-b.start_s)){
    const last=out[out.length-1];
    if(last&&last.label==s.label&&Math.abs(last.end_s-s.start_s)<1e-6)last.end_s=s.end_s;else out.push({...s});}
  return out}
function person(){return S.video&&S.video.people.find(p=>p.person==S.person)}
function round3(x){return Math.round(x*1000)/1000}
async function save(p){
  const csv='start_s,end_s,label\n'+p.segments.map(s=>round3(s.start_s).toFixed(3)+','+
    round3(s.end_s).toFixed(3)+','+s.label).join('\n')+'\n';
  S.saving++;
  try{const r=await fetch('api/annotation?name='+encodeURIComponent(S.video.name)+'&person='+p.person,
      {method:'POST',body:csv,headers:{'Content-Type':'text/csv'}});
    if(!r.ok){notice('not saved: '+await r.text());return}
    const saved=await r.json();p.version=saved.version;p.corrected=true;S.saved++;
    $('status').textContent='saved '+saved.file;}
  finally{S.saving--}}
function change(p,segs){S.undo.push({person:p.person,segments:p.segments.map(s=>({...s}))});
  p.segments=segs;drawTimeline();save(p)}
function setRange(p,a,b,label){const segs=[];
  for(const s of p.segments){
    if(s.end_s<=a||s.start_s>=b){segs.push({...s});continue}
    if(s.start_s<a)segs.push({...s,end_s:a});
    if(s.end_s>b)segs.push({...s,start_s:b});}
  segs.push({start_s:a,end_s:b,label:label});change(p,normalise(segs))}
function segmentAt(p,t){return p.segments.findIndex(s=>t>=s.start_s&&t<s.end_s)}
function label(n){const p=person();if(!p||n>=S.video.classes.length)return;
  const name=S.video.classes[n];
  if(S.range){setRange(p,S.range[0],S.range[1],name);return}
  const i=segmentAt(p,player.currentTime);if(i<0)return;
  setRange(p,p.segments[i].start_s,p.segments[i].end_s,name)}
function split(){const p=person();if(!p)return;const t=player.currentTime,i=segmentAt(p,t);
  if(i<0||t-p.segments[i].start_s<1e-3)return;
  const segs=p.segments.map(s=>({...s}));segs.splice(i,1,{...segs[i],end_s:t},{...segs[i],start_s:t});
  change(p,segs)}
function merge(){const p=person();if(!p)return;const i=segmentAt(p,player.currentTime);
  if(i<0||i+1>=p.segments.length)return;
  const segs=p.segments.map(s=>({...s}));segs[i].end_s=segs[i+1].end_s;segs.splice(i+1,1);
  change(p,normalise(segs))}
function undo(){const last=S.undo.pop();if(!last)return;
  const p=S.video.people.find(q=>q.person==last.person);if(!p)return;
  p.segments=last.segments;drawTimeline();save(p)}
function select(n){S.person=n;drawTimeline()}
// Stretches where the model was unsure (confidence under 0.5), least sure first.
function findUncertain(){const list=[];
  for(const p of S.video.people){let from=-1,sum=0;
    for(let i=0;i<=p.t.length;i++){const low=i<p.t.length&&p.conf[i]<0.5;
      if(low){if(from<0){from=i;sum=0}sum+=p.conf[i]}
      else if(from>=0){list.push({person:p.person,start:p.t[from],end:i<p.t.length?p.t[i]:p.t[i-1]+1/S.video.fps,
        conf:sum/(i-from)});from=-1}}}
  list.sort((a,b)=>a.conf-b.conf);S.uncertain=list.slice(0,30);S.at=-1;
  $('uncertain').innerHTML=S.uncertain.map((u,i)=>'<li data-i="'+i+'">#'+u.person+' '+u.start.toFixed(1)+
    '–'+u.end.toFixed(1)+' s · '+Math.round(100*u.conf)+'%</li>').join('')||'<li>none under 50%</li>'}
function goUncertain(i){const u=S.uncertain[i];if(!u)return;S.at=i;S.person=u.person;S.range=[u.start,u.end];
  player.currentTime=u.start+1e-3;drawTimeline()}
function drawTimeline(){const tl=$('timeline');if(!S.video)return;const d=duration();
  for(const el of [...tl.querySelectorAll('.track')])el.remove();
  for(const p of S.video.people){const track=document.createElement('div');
    track.className='track'+(p.person==S.person?' selected':'');track.dataset.person=p.person;
    let html='<span class="who">#'+p.person+(p.corrected?' ✓':'')+'</span><canvas></canvas>';
    for(const s of p.segments){html+='<div class="segment" style="left:'+(100*s.start_s/d)+'%;width:'+
      (100*(s.end_s-s.start_s)/d)+'%;background:'+colour(s.label)+'" title="'+text(s.label)+'">'+text(s.label)+'</div>'}
    p.segments.forEach((s,i)=>{if(i>0)html+='<div class="edge" data-i="'+i+'" style="left:'+(100*s.start_s/d)+'%"></div>'});
    if(S.range&&p.person==S.person)html+='<div class="range" style="left:'+(100*S.range[0]/d)+'%;width:'+
      (100*(S.range[1]-S.range[0])/d)+'%"></div>';
    track.innerHTML=html;tl.appendChild(track);
    // Shaded where the model was unsure: darker the less its confidence.
    const c=track.querySelector('canvas');c.width=Math.max(1,track.clientWidth);c.height=30;
    const g=c.getContext('2d');for(let i=0;i<p.t.length;i++){
      const x=c.width*p.t[i]/d,w=Math.max(1,c.width/(d*S.video.fps));
      g.fillStyle='rgba(0,0,0,'+(0.75*(1-p.conf[i]))+')';g.fillRect(x,18,w,12)}}
  tick()}
// The track is drawn anew on each change: it is looked up by person, never kept.
function trackOf(n){return document.querySelector('.track[data-person="'+n+'"]')}
function timeAt(track,x){const r=(trackOf(track.dataset.person)||track).getBoundingClientRect();return Math.min(Math.max(0,(x-r.left)/r.width),1)*duration()}
$('timeline').addEventListener('mousedown',ev=>{const track=ev.target.closest('.track');if(!track)return;
  ev.preventDefault();const p=S.video.people.find(q=>q.person==+track.dataset.person);S.person=p.person;
  if(ev.target.classList.contains('edge')){const i=+ev.target.dataset.i;
    const before=p.segments.map(s=>({...s}));
    const move=e=>{const t=timeAt(track,e.clientX);const a=p.segments[i-1],b=p.segments[i];
      const lo=a.start_s+0.01,hi=b.end_s-0.01;const x=Math.min(Math.max(t,lo),hi);a.end_s=x;b.start_s=x;drawTimeline()};
    const up=()=>{document.removeEventListener('mousemove',move);document.removeEventListener('mouseup',up);
      const now=p.segments;p.segments=before;change(p,normalise(now))};
    document.addEventListener('mousemove',move);document.addEventListener('mouseup',up);return}
  const t0=timeAt(track,ev.clientX);
  if(ev.shiftKey){S.range=[t0,t0];
    const move=e=>{const t=timeAt(track,e.clientX);S.range=[Math.min(t0,t),Math.max(t0,t)];drawTimeline()};
    const up=()=>{document.removeEventListener('mousemove',move);document.removeEventListener('mouseup',up)};
    document.addEventListener('mousemove',move);document.addEventListener('mouseup',up)}
  else{S.range=null;player.currentTime=t0}
  drawTimeline()});
$('uncertain').addEventListener('click',ev=>{const li=ev.target.closest('li[data-i]');if(li)goUncertain(+li.dataset.i)});
// Clicking a person in the video selects their track.
overlay.addEventListener('click',ev=>{if(!S.video)return;const r=overlay.getBoundingClientRect();
  const sx=player.videoWidth/r.width,x=(ev.clientX-r.left)*sx,y=(ev.clientY-r.top)*sx;
  for(const p of S.video.people){const q=poseAt(p,player.currentTime);
    if(q&&x>=q[1]&&x<=q[3]&&y>=q[2]&&y<=q[4]){select(p.person);return}}
  if(player.paused)player.play();else player.pause()});
function poseAt(p,t){const poses=p.poses||[];let lo=0,hi=poses.length-1,best=null;
  while(lo<=hi){const mid=(lo+hi)>>1;if(poses[mid][0]<=t+1e-3){best=mid;lo=mid+1}else hi=mid-1}
  if(best===null||t-poses[best][0]>2/S.video.fps)return null;return poses[best]}
function tick(){const d=duration();$('playhead').style.left='calc(48px + (100% - 48px) * '+(player.currentTime/d)+')';
  const r=player.getBoundingClientRect();overlay.width=r.width;overlay.height=r.height;
  const g=overlay.getContext('2d');g.clearRect(0,0,overlay.width,overlay.height);
  if(!S.video||!player.videoWidth)return;const k=r.width/player.videoWidth;
  for(const p of S.video.people){const q=poseAt(p,player.currentTime);if(!q)continue;
    const i=segmentAt(p,player.currentTime);const name=i>=0?p.segments[i].label:'';
    g.strokeStyle=g.fillStyle=i>=0?colour(name):'#888';g.lineWidth=p.person==S.person?3:1.5;
    g.strokeRect(q[1]*k,q[2]*k,(q[3]-q[1])*k,(q[4]-q[2])*k);
    for(const [a,b] of bones){const A=5+3*a,B=5+3*b;if(q[A+2]<0.2||q[B+2]<0.2)continue;
      g.beginPath();g.moveTo(q[A]*k,q[A+1]*k);g.lineTo(q[B]*k,q[B+1]*k);g.stroke()}
    for(let j=0;j<17;j++){const A=5+3*j;if(q[A+2]<0.2)continue;g.beginPath();g.arc(q[A]*k,q[A+1]*k,3,0,7);g.fill()}
    g.font='bold 13px system-ui';g.fillText('#'+p.person+' '+name,q[1]*k+2,Math.max(12,q[2]*k-4))}}
player.addEventListener('timeupdate',tick);player.addEventListener('seeked',tick);
player.addEventListener('loadedmetadata',drawTimeline);
(function frame(){if(!player.paused)tick();requestAnimationFrame(frame)})();
document.addEventListener('keydown',ev=>{if(ev.target.tagName=='INPUT'||!S.video)return;
  if((ev.ctrlKey||ev.metaKey)&&ev.key=='z'){ev.preventDefault();undo();return}
  if(ev.ctrlKey||ev.metaKey||ev.altKey)return;
  if(ev.key>='1'&&ev.key<='9'){label(+ev.key-1)}
  else if(ev.key=='s')split();else if(ev.key=='m')merge();
  else if(ev.key=='n')goUncertain(S.at+1);
  else if(ev.key=='Escape'){S.range=null;drawTimeline()}
  else if(ev.key==' '){ev.preventDefault();if(player.paused)player.play();else player.pause()}
  else return;
  ev.preventDefault()});
async function open(name,keepTime){const r=await fetch('api/video?name='+encodeURIComponent(name));
  S.opening=name;renderVideos();
  if(r.status==202){$('status').textContent='labelling '+name+'…';$('progress').style.display='block';return}
  if(!r.ok){$('status').textContent='cannot open '+name+': '+await r.text();return}
  const v=await r.json();$('progress').style.display='none';
  const same=S.video&&S.video.name==v.name;S.video=v;S.opening=null;
  for(const p of v.people){if(!p.segments.length)p.segments=modelSegments(p,v.fps);p.poses=p.poses||[]}
  if(!same){S.undo=[];S.range=null;S.person=v.people.length?v.people[0].person:0;
    player.src='video/'+name.split('/').map(encodeURIComponent).join('/')}
  else if(keepTime!==undefined)player.currentTime=keepTime;
  $('legend').innerHTML=v.classes.map((c,i)=>'<span style="background:'+palette[i%palette.length]+'">'+
    (i<9?(i+1)+' ':'')+text(c)+'</span>').join('');
  findUncertain();drawTimeline();renderVideos();$('status').textContent=v.name+': '+v.people.length+
    ' '+(v.people.length==1?'person':'people')}
function renderVideos(){const st=S.state;if(!st)return;
  $('videos').innerHTML=st.videos.map(v=>'<li data-name="'+text(v.name)+'" class="'+
    (S.video&&S.video.name==v.name?'open':'')+'">'+text(v.name)+'<span class="tag">'+
    (v.state=='labelling'?'labelling '+(v.total>0?Math.round(100*v.done/v.total)+'%':v.done):
     v.state=='ready'?(v.corrected?'corrected':''):text(v.state))+'</span></li>').join('')}
$('videos').addEventListener('click',ev=>{const li=ev.target.closest('li[data-name]');if(li)open(li.dataset.name)});
function renderTraining(t){const busy=['importing','extracting','training','relabelling'].includes(t.state);
  $('train').disabled=busy;$('cancel').disabled=!busy;
  $('training').textContent=t.state+(t.epochs?' · epoch '+(t.epoch||0)+'/'+t.epochs:'')+(t.message?': '+t.message:'');
  $('report').innerHTML=t.report?'<table><tr><th>video</th><th>changed</th><th>corrected right</th></tr>'+
    t.report.map(r=>'<tr data-video="'+text(r.video)+'"><td>'+text(r.video)+'</td><td>'+r.changed+'/'+r.frames+
    '</td><td>'+(r.corrected?r.right+'/'+r.corrected+' (was '+r.right_before+')':'–')+'</td></tr>').join('')+'</table>'+
    '<div>new bundle: '+text(t.bundle||'')+'</div>':''}
$('train').addEventListener('click',async()=>{const e=$('epochs').value.trim();
  const r=await fetch('api/train'+(e?'?epochs='+encodeURIComponent(e):''),{method:'POST'});
  if(!r.ok)notice(await r.text())});
$('cancel').addEventListener('click',()=>fetch('api/train/cancel',{method:'POST'}));
function update(st){const was=S.state;S.state=st;renderVideos();renderTraining(st.train);
  if(S.opening){const v=st.videos.find(x=>x.name==S.opening);
    if(v&&v.state=='labelling'&&v.total>0)$('progress').firstChild.style.width=(100*v.done/v.total)+'%';
    if(v&&v.state=='ready')open(S.opening);
    if(v&&v.state=='failed'){$('status').textContent='cannot label '+v.name+': '+v.error;$('progress').style.display='none';S.opening=null}}
  // A file someone else changed (an editor, a script): read again, and say so.
  if(S.video&&!S.saving){for(const p of S.video.people){const f=st.files[p.file];
    if(f&&!f.by_page&&f.version!=p.version){p.version=f.version;
      open(S.video.name,player.currentTime).then(()=>notice(p.file+' changed on disk: reloaded'));break}}}
  // Relabelled by a new bundle: the model's side of the open video changed.
  if(was&&was.train.state!='done'&&st.train.state=='done'&&S.video)open(S.video.name,player.currentTime);}
function listen(){const source=new EventSource('events');
  source.onmessage=m=>update(JSON.parse(m.data));
  source.onerror=()=>{$('status').textContent='page disconnected, retrying…'}}
fetch('api/state').then(r=>r.json()).then(st=>{update(st);if(st.videos.length)open(st.videos[0].name)});
listen();
window.addEventListener('resize',drawTimeline);
</script></body></html>
)html";

}  // namespace

const std::string& annotate_page() {
  static const std::string page = kPage;
  return page;
}

}  // namespace actrec::annotate
