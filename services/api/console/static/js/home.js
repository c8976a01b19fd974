import { el, failed, showWorkspace } from './console.js';

const facts = document.getElementById('workspace-facts');
showWorkspace().then((ws) => {
  facts.replaceChildren(
    el('dt', {}, 'Workspace'), el('dd', {}, ws.workspace_id),
    el('dt', {}, 'Time zone'), el('dd', {}, ws.time_zone),
  );
}).catch((error) => failed('announce', error));
