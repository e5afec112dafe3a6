/**
 * The baseline: a bare Express handler on the same route that reads the body and answers 202 —
 * what any webhook receiver costs before it does anything. Run as its own process, like pushgate.
 */
import express from 'express';

const port = Number(process.argv[2]);
const app = express();
app.post('/hooks/distribution', express.raw({ type: () => true, limit: 1024 * 1024 }), (_req, res) => {
  res.status(202).json({ accepted: 1 });
});
app.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
