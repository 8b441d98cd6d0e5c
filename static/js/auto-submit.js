// Submit a form marked data-auto-submit as soon as the page is ready (the LTI deep-linking
// response goes back to the LMS without a click; the form's button remains for no-JS).
document.querySelectorAll("form[data-auto-submit]").forEach((form) => form.submit());
