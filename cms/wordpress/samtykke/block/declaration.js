// The block "Cookie declaration" (samtykke/declaration): the editor shows what the
// server renders, the library's declaration; it has no settings of its own.
(function (blocks, element, ServerSideRender) {
  blocks.registerBlockType('samtykke/declaration', {
    apiVersion: 2,
    title: 'Cookie declaration (samtykke)',
    icon: 'shield',
    category: 'widgets',
    edit: function () {
      return element.createElement(ServerSideRender, { block: 'samtykke/declaration' });
    },
    save: function () {
      return null;
    },
  });
})(window.wp.blocks, window.wp.element, window.wp.serverSideRender);
