// Swagger UI on the app's own OpenAPI document; "Authorize" takes a personal API token.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    // Deep links put a link inside each operation's toggle button, which screen readers
    // and keyboards cannot reach on its own (a control nested in a control).
    deepLinking: false,
    persistAuthorization: false,
    onComplete: function () {
      // Swagger UI renders the server menu without a label.
      var servers = document.getElementById("servers");
      if (servers) servers.setAttribute("aria-label", "Server");
    },
  });
})();
