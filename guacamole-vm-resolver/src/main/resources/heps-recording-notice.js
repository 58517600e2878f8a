/*
 * HEPS desktop resolver: tells the user, before a recorded desktop's session opens, that it is
 * recorded, in Guacamole's own notification dialog, and opens it only once the user chose to go on. A desktop
 * whose sessions are recorded carries the connection attribute "heps-recorded" = "true" (and says
 * so in its name). The client route's token check is followed by this check, so the tunnel, and
 * with it the recording, starts only after "Continue". "Leave" signs the user out. The choice is
 * remembered for the rest of this sign-in (per desktop, in this browser tab).
 */
angular.module('index').run(['$injector', function hepsRecordingNotice($injector) {

    var RECORDED_ATTRIBUTE = 'heps-recorded';

    var $route = $injector.get('$route');
    var route = $route.routes['/client/:id'];
    if (!route || !route.resolve || !route.resolve.updateCurrentToken)
        return;

    var askIfRecorded = ['$injector', function askIfRecorded($injector) {

        var $q                    = $injector.get('$q');
        var $location             = $injector.get('$location');
        var $window               = $injector.get('$window');
        var $compile              = $injector.get('$compile');
        var $rootScope            = $injector.get('$rootScope');
        var authenticationService = $injector.get('authenticationService');
        var connectionService     = $injector.get('connectionService');
        var ClientIdentifier      = $injector.get('ClientIdentifier');

        // Guacamole's own notification, in its global-status style. Shown here rather than through
        // guacNotification: the page shows guacNotification's statuses only once a route has
        // loaded, and this question comes while the client's route is still loading.
        var ask = function ask(notification) {
            var scope = $rootScope.$new(true);
            scope.notification = notification;
            var dialog = $compile('<div class="global-status-modal heps-recording-notice-modal"><guac-modal>'
                + '<guac-notification notification="notification"></guac-notification></guac-modal></div>')(scope);
            angular.element($window.document.body).append(dialog);
            return function dismiss() {
                dialog.remove();
                scope.$destroy();
            };
        };

        var params = $route.current && $route.current.params;
        if (!params || !params.id)
            return $q.resolve();

        var token = authenticationService.getCurrentToken() || '';
        var answered = function answered(identifier) {
            return 'heps-recording-notice:' + token + ':' + identifier.dataSource + ':' + identifier.id;
        };

        // Every connection of the (possibly tiled) client: the first recorded one not yet agreed to.
        var identifiers = String(params.id).split('.').map(ClientIdentifier.fromString).filter(function (identifier) {
            return identifier.type === ClientIdentifier.Types.CONNECTION
                && !$window.sessionStorage.getItem(answered(identifier));
        });

        var askNext = function askNext(index) {
            if (index >= identifiers.length)
                return $q.resolve();
            var identifier = identifiers[index];
            return connectionService.getConnection(identifier.dataSource, identifier.id).then(function (connection) {

                if (!connection.attributes || connection.attributes[RECORDED_ATTRIBUTE] !== 'true')
                    return askNext(index + 1);

                var choice = $q.defer();
                var dismiss = ask({
                    className : 'heps-recording-notice',
                    title     : 'HEPS_VM_RESOLVER.DIALOG_HEADER_SESSION_RECORDED',
                    text      : {
                        key       : 'HEPS_VM_RESOLVER.TEXT_SESSION_RECORDED',
                        variables : { NAME : connection.name }
                    },
                    actions   : [{
                        name      : 'HEPS_VM_RESOLVER.ACTION_CONTINUE_RECORDED',
                        callback  : function continueRecorded() {
                            dismiss();
                            $window.sessionStorage.setItem(answered(identifier), 'continue');
                            choice.resolve();
                        }
                    }, {
                        name      : 'HEPS_VM_RESOLVER.ACTION_LEAVE_RECORDED',
                        className : 'cancel',
                        callback  : function leave() {
                            dismiss();
                            choice.reject();
                            authenticationService.logout()['finally'](function signedOut() {
                                $location.url('/');
                            });
                        }
                    }]
                });
                return choice.promise.then(function next() {
                    return askNext(index + 1);
                });

            }, function connectionUnreadable() {
                // The client page reports a connection it cannot open; nothing to say here.
                return askNext(index + 1);
            });
        };

        return askNext(0);

    }];

    // After the token check (the route's own resolve), never in parallel with it: the question
    // needs the signed-in session, and a portal token can be used only once.
    var checkToken = route.resolve.updateCurrentToken;
    route.resolve.updateCurrentToken = ['$injector', '$q', function checkTokenThenAsk($injector, $q) {
        return $q.when($injector.invoke(checkToken)).then(function tokenChecked() {
            return $injector.invoke(askIfRecorded);
        });
    }];

}]);
