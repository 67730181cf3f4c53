// The gate page: scan (camera via jsQR, a USB scanner typing into a field, or a typed ID number), temperature,
// then the big admit/refuse answer. A scan made while the network is down is queued in localStorage with its own
// scan id and sent to /api/gate/scans/sync later; the server records each scan id once.
(() => {
  'use strict';
  const text = window.GATE_TEXT;
  const QUEUE = 'fugong.gate.queue';
  const PLACE = 'fugong.gate.place';
  const $ = id => document.getElementById(id);
  const csrf = $('gate').dataset.csrf;
  const place = $('place'), scanner = $('scanner'), idNumber = $('id-number'), temp = $('temperature');
  const result = $('result'), resultText = $('result-text'), resultDetail = $('result-detail');
  let busy = false;

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const queue = () => JSON.parse(localStorage.getItem(QUEUE) || '[]');
  const saveQueue = q => { localStorage.setItem(QUEUE, JSON.stringify(q)); $('queue-count').textContent = String(q.length); };

  function show(kind, message, detail) {
    result.dataset.result = kind;
    resultText.textContent = message;
    resultDetail.textContent = detail || '';
  }

  const post = (url, body) => fetch(url, {
    method: 'POST',
    headers: {'content-type': 'application/json', accept: 'application/json', 'X-CSRF-Token': csrf},
    body: JSON.stringify(body),
  });

  function reset() {
    scanner.value = ''; idNumber.value = ''; temp.value = '';
    scanner.focus();
  }

  async function check() {
    if (busy) return;
    if (!place.value) { show('', text.choose_place); place.focus(); return; }
    const code = scanner.value.trim(), id = idNumber.value.trim();
    if (!code && !id) { scanner.focus(); return; }
    if (!temp.value) { show('', text.need_temp); temp.focus(); return; }
    const scan = {scan_id: newId(), place_id: place.value, temperature: temp.value};
    if (code) scan.code = code; else scan.id_number = id;
    busy = true;
    try {
      const response = await post('/api/gate/scans', scan);
      const body = await response.json();
      if (response.ok) {
        show(body.admit ? 'admit' : 'refuse', body.message, `${body.temperature} °C`);
        reset();
      } else {
        show('', body.detail || response.statusText);
      }
    } catch (err) {
      // No network: keep the scan (with when it happened) and send it later.
      saveQueue([...queue(), {...scan, scanned_at: new Date().toISOString()}]);
      show('queued', text.offline, `${temp.value} °C`);
      reset();
    } finally {
      busy = false;
    }
  }

  async function sync() {
    const pending = queue();
    if (!pending.length) return;
    try {
      const response = await post('/api/gate/scans/sync', {scans: pending});
      if (!response.ok) return;
      const body = await response.json();
      const done = new Set(body.results.map(r => r.scan_id));
      saveQueue(queue().filter(s => !done.has(s.scan_id)));
    } catch (err) { /* still offline */ }
  }

  async function camera() {
    const video = $('camera');
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}});
    } catch (err) { show('', text.camera_off); return; }
    video.srcObject = stream; video.hidden = false; await video.play();
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', {willReadFrequently: true});
    const tick = () => {
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const found = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
        if (found && found.data) {
          stream.getTracks().forEach(t => t.stop()); video.hidden = true;
          scanner.value = found.data; scanner.dataset.source = 'camera';
          if (temp.value) check(); else temp.focus();
          return;
        }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  place.value = localStorage.getItem(PLACE) || '';
  place.addEventListener('change', () => localStorage.setItem(PLACE, place.value));
  // A USB scanner types the code and presses Enter.
  scanner.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); if (temp.value) check(); else temp.focus(); } });
  idNumber.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); temp.focus(); } });
  temp.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); check(); } });
  $('check').addEventListener('click', check);
  $('camera-start').addEventListener('click', camera);
  window.addEventListener('online', sync);
  setInterval(sync, 15000);
  saveQueue(queue());
  sync();
})();
