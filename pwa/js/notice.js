// The rectification notice's print button (the page's CSP allows no inline script). Not part of the app shell.
document.getElementById('print')?.addEventListener('click', () => window.print());
