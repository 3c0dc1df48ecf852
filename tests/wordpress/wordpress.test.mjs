// placeholder
import { test } from 'node:test';
test('serves', async () => { const r = await fetch(process.env.SAMTYKKE_WP_URL + '/'); if (r.status !== 200) throw new Error(String(r.status)); });
