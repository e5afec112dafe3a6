/**
 * Optional: filters the findings tables by severity and text. Without it (JavaScript off) the
 * controls stay `hidden` and every finding shows. No `<form>`: the CSP has `form-action 'none'`,
 * and Enter in a form field would try to submit it.
 */
export const FILTER_SCRIPT = `
(() => {
  const bar = document.getElementById('finding-filters');
  if (!bar) return;
  const rows = Array.from(document.querySelectorAll('tr[data-severity]'));
  const status = document.getElementById('filter-status');
  const search = bar.querySelector('input[type=search]');
  const apply = () => {
    const wanted = new Set(
      Array.from(bar.querySelectorAll('input[name=severity]:checked')).map((input) => input.value),
    );
    const query = search.value.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      const visible =
        wanted.has(row.dataset.severity) && (query === '' || row.textContent.toLowerCase().includes(query));
      row.hidden = !visible;
      if (visible) shown += 1;
    }
    status.textContent = 'Showing ' + shown + ' of ' + rows.length + ' findings';
  };
  bar.addEventListener('input', apply);
  bar.addEventListener('change', apply);
  bar.hidden = false;
  apply();
})();
`;
